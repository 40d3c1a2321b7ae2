"""``python -m display_board`` runs the wall board (same as ``motcua board``)."""

from .cli import board

board()
