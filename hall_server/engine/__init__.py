"""The queue engine: pure Python, explicit time, commands in and events out.

    >>> hall = Hall(config)
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
