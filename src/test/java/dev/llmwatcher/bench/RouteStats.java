package dev.llmwatcher.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmwatcher.testing.TestElasticsearch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Elasticsearch's own count of the HTTP requests it served, per REST route ({@code GET /_nodes/stats/http}, 8.9+),
 * summed over nodes, with each route's histogram of handling times (power-of-two buckets of milliseconds, from
 * dispatch to response). The difference of two snapshots ({@link #minus}) is what was asked in between, so the
 * benchmark counts the watcher's requests without standing between it and Elasticsearch.
 *
 * @param routes by route path as Elasticsearch names it, e.g. {@code /_bulk} or {@code /{index}/_pit}
 */
record RouteStats(Map<String, Route> routes) {

    /** The route the snapshots themselves use; never the watcher's, so a difference leaves it out. */
    static final String STATS_ROUTE = "/_nodes/stats/{metric}";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A histogram bucket: handling times from {@code fromMillis} (inclusive) to {@code toMillis} (exclusive). */
    record Bucket(long fromMillis, long toMillis) {

        /** The last bucket has no upper bound. */
        static final long OPEN = Long.MAX_VALUE;
    }

    /** One route's request count and handling-time histogram. */
    record Route(long requests, Map<Bucket, Long> handlingTimes) {

        Route plus(Route other) {
            Map<Bucket, Long> buckets = new HashMap<>(handlingTimes);
            other.handlingTimes.forEach((bucket, count) -> buckets.merge(bucket, count, Long::sum));
            buckets.values().removeIf(count -> count == 0);
            return new Route(requests + other.requests, buckets);
        }

        Route minus(Route before) {
            Map<Bucket, Long> negated = new HashMap<>();
            before.handlingTimes.forEach((bucket, count) -> negated.put(bucket, -count));
            return plus(new Route(-before.requests, negated));
        }

        /** Summed handling time: at least this (every answer at its bucket's lower bound) ... */
        double minMillis() {
            return handlingTimes.entrySet().stream()
                    .mapToDouble(e -> (double) e.getKey().fromMillis() * e.getValue()).sum();
        }

        /** ... and less than this (at its upper bound); infinite when an answer fell in the open last bucket. */
        double maxMillis() {
            return handlingTimes.entrySet().stream().mapToDouble(e -> e.getKey().toMillis() == Bucket.OPEN
                    ? Double.POSITIVE_INFINITY : (double) e.getKey().toMillis() * e.getValue()).sum();
        }
    }

    /** Summed handling time between two bounds, in milliseconds. */
    record Millis(double min, double max) {

        Millis plus(Millis other) {
            return new Millis(min + other.min, max + other.max);
        }
    }

    /** The server's statistics now. */
    static RouteStats of(TestElasticsearch es) {
        TestElasticsearch.Response response = es.get("/_nodes/stats/http");
        if (!response.isSuccess()) {
            throw new IllegalStateException("GET /_nodes/stats/http answered " + response.status() + ": "
                    + response.body());
        }
        return parse(response.body());
    }

    static RouteStats parse(String nodesStatsHttp) {
        JsonNode root;
        try {
            root = JSON.readTree(nodesStatsHttp);
        } catch (IOException e) {
            throw new UncheckedIOException("not the JSON of GET /_nodes/stats/http: " + nodesStatsHttp, e);
        }
        Map<String, Route> routes = new TreeMap<>();
        for (JsonNode node : root.path("nodes")) {
            node.path("http").path("routes").properties().forEach(route -> routes.merge(route.getKey(),
                    route(route.getValue()), Route::plus));
        }
        return new RouteStats(routes);
    }

    /** What was asked between {@code before} and this snapshot, without the snapshots' own requests. */
    RouteStats minus(RouteStats before) {
        Map<String, Route> diff = new TreeMap<>();
        routes.forEach((path, route) -> {
            Route delta = route.minus(before.routes.getOrDefault(path, new Route(0, Map.of())));
            if (delta.requests() != 0 && !STATS_ROUTE.equals(path)) {
                diff.put(path, delta);
            }
        });
        return new RouteStats(diff);
    }

    long requests() {
        return routes.values().stream().mapToLong(Route::requests).sum();
    }

    /** Requests by {@link #kind}, sorted by kind. */
    Map<String, Long> requestsByKind() {
        Map<String, Long> byKind = new TreeMap<>();
        routes.forEach((path, route) -> byKind.merge(kind(path), route.requests(), Long::sum));
        return byKind;
    }

    /** Summed handling time by {@link #kind}, sorted by kind. */
    Map<String, Millis> handlingByKind() {
        Map<String, Millis> byKind = new TreeMap<>();
        routes.forEach((path, route) -> byKind.merge(kind(path), new Millis(route.minMillis(), route.maxMillis()),
                Millis::plus));
        return byKind;
    }

    Millis handling() {
        return handlingByKind().values().stream().reduce(new Millis(0, 0), Millis::plus);
    }

    /**
     * bulk, search, pit-open ({@code POST /{index}/_pit}), pit-close ({@code DELETE /_pit}), count, refresh, or
     * {@code other} and the route.
     */
    static String kind(String route) {
        if (route.endsWith("/_bulk")) {
            return "bulk";
        }
        if (route.endsWith("/_search")) {
            return "search";
        }
        if (route.equals("/_pit")) {
            return "pit-close";
        }
        if (route.endsWith("/_pit")) {
            return "pit-open";
        }
        if (route.endsWith("/_count")) {
            return "count";
        }
        if (route.endsWith("/_refresh")) {
            return "refresh";
        }
        return "other " + route;
    }

    private static Route route(JsonNode stats) {
        Map<Bucket, Long> buckets = new HashMap<>();
        for (JsonNode bucket : stats.path("responses").path("handling_time_histogram")) {
            long count = bucket.path("count").asLong();
            if (count != 0) {
                buckets.put(new Bucket(bucket.path("ge_millis").asLong(0),
                        bucket.has("lt_millis") ? bucket.get("lt_millis").asLong() : Bucket.OPEN), count);
            }
        }
        return new Route(stats.path("requests").path("count").asLong(), buckets);
    }
}
