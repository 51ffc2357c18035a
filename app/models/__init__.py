"""All ORM models, imported together so metadata is complete for Alembic."""

from app.models._base import Model, UTCDateTime, utcnow
from app.models.booking import (
    BOOKING_STATUSES,
    NO_DOUBLE_BOOKING,
    Booking,
    BookingEvent,
    IdempotencyRecord,
)
from app.models.crew import (
    SCENE_STATUSES,
    CastMember,
    CastUnavailable,
    Crew,
    Scene,
    SceneAllowedSet,
    SceneCast,
    ScenePredecessor,
)
from app.models.extras import (
    ASSIGNMENT_STATUSES,
    ATTENDANCE,
    DISPATCH_ACTIVE,
    PERFORMER_CATEGORIES,
    DispatchRun,
    ExtrasAssignment,
    ExtrasRequest,
    ExtrasRequestEvent,
    PayRule,
    Performer,
    PerformerLink,
    PerformerUnavailable,
)
from app.models.feed import FEED_KINDS, FeedToken
from app.models.imports import IMPORT_FORMATS, IMPORT_STATUSES, SceneImport
from app.models.location import SET_KINDS, Base, Blackout, FilmSet, SetTag, Travel
from app.models.notice import (
    CHANNELS,
    DELIVERY_STATUSES,
    NOTICE_KINDS,
    Notice,
    NoticeDelivery,
    NoticePreference,
    WebhookSubscription,
)
from app.models.plan import RUN_STATUSES, PlanRun, Proposal
from app.models.ratelimit import RateCounter
from app.models.user import ROLES, User, UserBase, UserCrew
from app.models.web_session import WebSession

__all__ = [
    "ASSIGNMENT_STATUSES",
    "ATTENDANCE",
    "BOOKING_STATUSES",
    "CHANNELS",
    "DELIVERY_STATUSES",
    "DISPATCH_ACTIVE",
    "FEED_KINDS",
    "IMPORT_FORMATS",
    "IMPORT_STATUSES",
    "NOTICE_KINDS",
    "NO_DOUBLE_BOOKING",
    "PERFORMER_CATEGORIES",
    "ROLES",
    "RUN_STATUSES",
    "SCENE_STATUSES",
    "SET_KINDS",
    "Base",
    "Blackout",
    "Booking",
    "BookingEvent",
    "CastMember",
    "CastUnavailable",
    "Crew",
    "DispatchRun",
    "ExtrasAssignment",
    "ExtrasRequest",
    "ExtrasRequestEvent",
    "FeedToken",
    "FilmSet",
    "IdempotencyRecord",
    "Model",
    "Notice",
    "NoticeDelivery",
    "NoticePreference",
    "PayRule",
    "Performer",
    "PerformerLink",
    "PerformerUnavailable",
    "PlanRun",
    "Proposal",
    "RateCounter",
    "Scene",
    "SceneAllowedSet",
    "SceneCast",
    "SceneImport",
    "ScenePredecessor",
    "SetTag",
    "Travel",
    "UTCDateTime",
    "User",
    "UserBase",
    "UserCrew",
    "WebSession",
    "WebhookSubscription",
    "utcnow",
]
