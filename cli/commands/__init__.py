"""The stack commands of `sellersync`: one module per command or command group."""
