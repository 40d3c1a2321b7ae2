"""MotCua Queue: ticket_printer."""
