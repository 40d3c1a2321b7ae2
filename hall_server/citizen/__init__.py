"""The citizen side of the hall: satisfaction ratings, notifications, booked appointments.

* :mod:`.rating` — one rating per served ticket, given at the counter just after it finished
  (a tablet page, or a three-button box: the Pi program ``counter_buttons/rating_box.py``);
  :func:`.rating.rating_figures` for reports;
* :mod:`.notify` — how a message leaves (an HTTP SMS gateway, SMTP e-mail) and what it says;
  :mod:`.outbox` — opt-ins, the outbox and the background sender that retries with backoff;
* :mod:`.booking` — slots within opening hours and capacity, booking codes, check-in, no-shows;
* :mod:`.settings` — the ``[notify]``, ``[booking]`` and ``[rating]`` settings; :mod:`.schema` — the tables.

The web side is :mod:`hall_server.web.citizen`; the whole feature is described in docs/citizen.md.
"""
