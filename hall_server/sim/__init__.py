"""Simulation of a hall through the real engine, with simulated time.

* :mod:`~hall_server.sim.simulator` — one day: citizens take tickets, officers
  press *next*, services last their sampled time; shifts or a live controller
  open and close counters.
* :mod:`~hall_server.sim.arrivals` / :mod:`~hall_server.sim.replay` — citizens
  from the synthetic profile, a Poisson stream, or a centre's stored log.
* :mod:`~hall_server.sim.runner` — many days, seeded per day, the same
  citizens for every variant compared.
* :mod:`~hall_server.sim.summary` / :mod:`~hall_server.sim.report` — waits per
  field, service level, utilisation, officer-hours; tables and PNG plots.
* :mod:`~hall_server.sim.halls` — full pooling and single-field halls;
  :mod:`~hall_server.sim.theory` — the Erlang C check;
  :mod:`~hall_server.sim.staffing` — staffing plans and live advice in the simulator.
* :mod:`~hall_server.sim.cli` — ``motcua simulate`` and ``motcua advise``.

>>> from datetime import date
>>> from hall_server.config import load_hall
>>> from hall_server.queueing.profile import SMALL_HALL
>>> from hall_server.sim.runner import profile_arrivals, run_days, weekdays
>>> from hall_server.sim.summary import summarise
>>> config = load_hall("config/sim_small.toml")
>>> days = weekdays(date(2025, 3, 3), 3)
>>> s = summarise(run_days(config, profile_arrivals(SMALL_HALL.for_fields(config.fields), days, seed=1)))
>>> s.days, s.overall.unserved
(3, 0)

See docs/simulation.md for what was measured with it.
"""
