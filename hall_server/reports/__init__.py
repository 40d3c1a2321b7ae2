"""Reports: figures from the stored transition records, exports, charts and the CLI.

    from hall_server.reports import figures
    visits = figures.load_visits(store.engine, config, period)
    report = figures.build_report(visits, config, period, by="field")
    [(r.label, r.served, r.wait_mean) for r in report.rows][:2]
    # → [('Đất đai', 41, 12.4), ('Hộ tịch', 30, 6.1)]

Nothing here keeps counters: every number is recomputed from ``transitions``.
"""
