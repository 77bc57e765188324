"""ISO 4217: the alphabetic codes of the currencies in circulation (list one of the ISO 4217 maintenance agency,
as of 2026), without the codes of funds, precious metals, testing and "no currency" (no price is ever in those).

A fixed list on purpose: a price's currency must be a real one (`GPB` is refused, not sent to Amazon to fail there),
and a code that enters or leaves circulation is a change to review here. Every Amazon marketplace's currency is one
of them (tests/unit/inventory/test_record_boundary.py).
"""

_CODES = """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP
    CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF
    IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD
    MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB
    RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD
    UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
"""
ISO_4217_CODES: frozenset[str] = frozenset(_CODES.split())


def is_iso_4217(code: str) -> bool:
    """Whether `code` is the alphabetic ISO 4217 code of a currency in circulation (upper case, as written)."""
    return code in ISO_4217_CODES
