"""MotCua Queue hall server: queue engine, store, web and sockets.

The engine (:mod:`hall_server.engine`) holds the rules of the hall as pure Python;
the store, web and socket layers are thin shells around it.
"""

__version__ = "0.1.0"
