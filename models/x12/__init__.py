"""Pure X12 5010 readers and writers (stdlib only). See docs/x12.md.

Writers take the dataclasses of their module plus an ``Envelope`` (control numbers
are input) and return the file text. Readers take the text (and optionally a file
name for messages) and return a ``Document`` or raise ``X12Error``: never a part.
"""

from .ack999 import (
    ElementError,
    FunctionalAck,
    LocatedError,
    SegmentError,
    TransactionAck,
    locate_errors,
    read_999,
    write_999,
)
from .claim837 import (
    Address,
    Batch837,
    BillingProvider,
    Claim837,
    ClaimForm,
    Party,
    Payer,
    Person,
    Provider,
    ServiceLine,
    Subscriber,
)
from .document import Document, Interchange
from .eligibility import (
    MENTAL_HEALTH_SERVICE_TYPES,
    Benefit,
    EligibilityQuery,
    EligibilityRequest,
    EligibilityResponse,
    EligibilityResult,
    Member,
    Rejection,
    write_270,
    write_271,
)
from .envelope import Delimiters, Envelope
from .errors import X12Error
from .jsonview import to_jsonable
from .read277 import read_277, read_277ca
from .read835 import read_835
from .read837 import read_837
from .read_eligibility import read_270, read_271
from .reader import SUPPORTED, read_x12
from .remit835 import Adjustment, ClaimPayment, ProviderAdjustment, RemitLine, Remittance, write_835
from .status276 import ClaimStatusRequest, StatusQuery, read_276, write_276
from .status277 import (
    ClaimStatus,
    ClaimStatusReport,
    LineStatus,
    ProviderStatus,
    StatusInfo,
    write_277,
    write_277ca,
)
from .values import npi_check_digit, npi_is_valid
from .write837 import write_837

__all__ = [
    "MENTAL_HEALTH_SERVICE_TYPES",
    "SUPPORTED",
    "Address",
    "Adjustment",
    "Batch837",
    "Benefit",
    "BillingProvider",
    "Claim837",
    "ClaimForm",
    "ClaimPayment",
    "ClaimStatus",
    "ClaimStatusReport",
    "ClaimStatusRequest",
    "Delimiters",
    "Document",
    "ElementError",
    "EligibilityQuery",
    "EligibilityRequest",
    "EligibilityResponse",
    "EligibilityResult",
    "Envelope",
    "FunctionalAck",
    "Interchange",
    "LineStatus",
    "LocatedError",
    "Member",
    "Party",
    "Payer",
    "Person",
    "Provider",
    "ProviderAdjustment",
    "ProviderStatus",
    "Rejection",
    "RemitLine",
    "Remittance",
    "SegmentError",
    "ServiceLine",
    "StatusInfo",
    "StatusQuery",
    "Subscriber",
    "TransactionAck",
    "X12Error",
    "locate_errors",
    "npi_check_digit",
    "npi_is_valid",
    "read_270",
    "read_271",
    "read_276",
    "read_277",
    "read_277ca",
    "read_835",
    "read_837",
    "read_999",
    "read_x12",
    "to_jsonable",
    "write_270",
    "write_271",
    "write_276",
    "write_277",
    "write_277ca",
    "write_835",
    "write_837",
    "write_999",
]
