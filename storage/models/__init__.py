"""SQLAlchemy 2.0 models: the stored facts. Scores and statuses are never stored.

Every model is importable from here (`from storage.models import Unit`); importing this
package registers every table on `Base.metadata` (Alembic and the tests compare it)."""
from storage.models.base import CHANNELS, Base, UTCDateTime
from storage.models.messages import (
    Unit,
    Liaison,
    BindingCode,
    InboundMessage,
    StoredFile,
    RejectedFile,
    SummaryItem,
    MonthExcuse,
    AuditEntry,
    WorkItem,
    PlatformToken,
    OutboxMessage,
)
from storage.models.office import (
    QuarterFactValue,
    MediaStory,
    BonusEntry,
    Deduction,
    AdminUser,
    LoginAttempt,
    Notice,
    QuarterTotal,
    UndeliveredRecipient,
    HolidayArrangement,
    EvidencePack,
)
from storage.models.review import MonthReview, Appeal

__all__ = [
    "CHANNELS", "Base", "UTCDateTime",
    "Unit",
    "Liaison",
    "BindingCode",
    "InboundMessage",
    "StoredFile",
    "RejectedFile",
    "SummaryItem",
    "MonthExcuse",
    "AuditEntry",
    "WorkItem",
    "PlatformToken",
    "OutboxMessage",
    "QuarterFactValue",
    "MediaStory",
    "BonusEntry",
    "Deduction",
    "AdminUser",
    "LoginAttempt",
    "Notice",
    "QuarterTotal",
    "UndeliveredRecipient",
    "HolidayArrangement",
    "EvidencePack",
    "MonthReview",
    "Appeal",
]
