package dev.llmwatcher.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Idle keep-alive connections per route, most recently used first (the likeliest to be still open). A connection
 * idle past its time is closed instead of reused: servers close idle connections, and a request written into one
 * they just closed fails.
 */
final class ConnectionPool {

    private final Map<Route, ConcurrentLinkedDeque<Connection>> idle = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** An idle connection to the route, or null when there is none to reuse. */
    Connection take(Route route) {
        ConcurrentLinkedDeque<Connection> connections = idle.get(route);
        if (connections == null) {
            return null;
        }
        long now = System.nanoTime();
        Connection connection;
        while ((connection = connections.pollFirst()) != null) {
            if (!connection.expired(now) && connection.quiet()) {
                return connection;
            }
            connection.close();
        }
        return null;
    }

    /** Keeps the connection for reuse until {@code idleUntilNanos}. */
    void offer(Connection connection, long idleUntilNanos) {
        if (closed || idleUntilNanos - System.nanoTime() <= 0) {
            connection.close();
            return;
        }
        connection.idleUntil(idleUntilNanos);
        ConcurrentLinkedDeque<Connection> connections =
                idle.computeIfAbsent(connection.route(), r -> new ConcurrentLinkedDeque<>());
        connections.offerFirst(connection);
        Connection oldest = connections.peekLast();
        if (oldest != null && oldest.expired(System.nanoTime()) && connections.removeLastOccurrence(oldest)) {
            oldest.close();
        }
        if (closed && connections.remove(connection)) {
            connection.close();
        }
    }

    void close() {
        closed = true;
        idle.values().forEach(connections -> {
            Connection connection;
            while ((connection = connections.pollFirst()) != null) {
                connection.close();
            }
        });
    }
}
