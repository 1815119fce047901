"""Enterprise identifiers: the unified social credit code and the organisation code inside it."""

from tiangong.identity.uscc import (
    is_valid_org_code,
    is_valid_uscc,
    make_uscc_array,
    make_usccs,
    normalize_uscc,
    org_code_check_char,
    org_code_of,
    uscc_check_char,
)

__all__ = [
    "is_valid_org_code",
    "is_valid_uscc",
    "make_uscc_array",
    "make_usccs",
    "normalize_uscc",
    "org_code_check_char",
    "org_code_of",
    "uscc_check_char",
]
