"""The queue engine: pure Python, explicit time, commands in and events out.

    >>> from datetime import datetime, timezone
    >>> from hall_server.config import DEMO_HALL, load_hall
    >>> hall = Hall(load_hall(DEMO_HALL))
    >>> at = datetime(2026, 11, 26, 1, 0, tzinfo=timezone.utc)  # 08:00 in Hà Nội
    >>> result = hall.execute(IssueTicket(field="DD"), at)
    >>> [e.kind for e in result.events]
    ['day_started', 'ticket_issued']
"""

from .commands import (
    COMMANDS,
    AssignOfficer,
    CallNext,
    CallTicket,
    Cancel,
    CloseCounter,
    Command,
    Finish,
    IssueTicket,
    NoShow,
    OpenCounter,
    PauseCounter,
    Recall,
    ResumeCounter,
    SetCounterFields,
    StartServing,
    Transfer,
    UnassignOfficer,
)
from .errors import DomainError, InvalidCommand, InvalidTransition, NotFound
from .hall import Hall
from .model import Counter, CounterStatus, Event, Result, Ticket, TicketState, Transition
from .routing import POLICIES, LongestQueueFirst, OldestEligibleFirst, OwnFieldFirst, RoutingPolicy

__all__ = [name for name in dir() if not name.startswith("_")]

__all__ = [
    "COMMANDS",
    "AssignOfficer",
    "CallNext",
    "CallTicket",
    "Cancel",
    "CloseCounter",
    "Command",
    "Finish",
    "IssueTicket",
    "NoShow",
    "OpenCounter",
    "PauseCounter",
    "Recall",
    "ResumeCounter",
    "SetCounterFields",
    "StartServing",
    "Transfer",
    "UnassignOfficer",
    "DomainError",
    "InvalidCommand",
    "InvalidTransition",
    "NotFound",
    "Hall",
    "Counter",
    "CounterStatus",
    "Event",
    "Result",
    "Ticket",
    "TicketState",
    "Transition",
    "POLICIES",
    "LongestQueueFirst",
    "OldestEligibleFirst",
    "OwnFieldFirst",
    "RoutingPolicy",
]
