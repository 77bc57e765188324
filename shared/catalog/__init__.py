"""The catalog capability (issue 17): the seller's listings imported from Amazon, kept per (connection, marketplace,
SKU), and the events that announce their changes."""
