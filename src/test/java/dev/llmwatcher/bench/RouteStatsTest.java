package dev.llmwatcher.bench;

import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Elasticsearch's per-route statistics count exactly the requests sent between two snapshots. */
class RouteStatsTest {

    @Test
    void theDifferenceOfTwoSnapshotsCountsTheRequestsSentInBetweenByKind() {
        TestElasticsearch es = TestElasticsearch.shared();
        String index = TestElasticsearch.uniqueIndex("route-stats");
        RouteStats before = RouteStats.of(es);

        es.put("/" + index, "{}");
        es.send("POST", "/_bulk", "{\"index\":{\"_index\":\"" + index + "\"}}\n{\"a\":1}\n{\"index\":{\"_index\":\""
                + index + "\"}}\n{\"a\":2}\n", "application/x-ndjson");
        String pit = (String) es.post("/" + index + "/_pit?keep_alive=1m", "").json().get("id");
        es.post("/_search", "{\"pit\":{\"id\":\"" + pit + "\"}}");
        es.post("/" + index + "/_search", "{}");
        es.send("DELETE", "/_pit", "{\"id\":\"" + pit + "\"}", "application/json");
        long count = es.count(index);
        RouteStats between = RouteStats.of(es).minus(before);

        assertThat(count).isEqualTo(2);
        assertThat(between.requestsByKind()).isEqualTo(Map.of("other /{index}", 1L, "bulk", 1L, "pit-open", 1L,
                "search", 2L, "pit-close", 1L, "refresh", 1L, "count", 1L));
        assertThat(between.requests()).isEqualTo(8);
        assertThat(between.routes()).containsOnlyKeys("/{index}", "/_bulk", "/{index}/_pit", "/_search",
                "/{index}/_search", "/_pit", "/{index}/_refresh", "/{index}/_count");
        between.routes().forEach((route, stats) -> assertThat(stats.handlingTimes().values().stream()
                .mapToLong(Long::longValue).sum()).as("answers timed on " + route).isEqualTo(stats.requests()));
        assertThat(between.handling().max()).isGreaterThan(between.handling().min()).isFinite();
    }

    @Test
    void handlingTimeIsBoundedByTheHistogramBucketsAndSubtractedPerBucket() {
        RouteStats before = RouteStats.parse(stats(route("/_bulk", 2, "{\"lt_millis\":1,\"count\":2}")));
        RouteStats after = RouteStats.parse(stats(route("/_bulk", 5, "{\"lt_millis\":1,\"count\":2},"
                + "{\"ge_millis\":4,\"lt_millis\":8,\"count\":3}") + "," + route("/{index}/_count", 1,
                "{\"ge_millis\":65536,\"count\":1}") + "," + route(RouteStats.STATS_ROUTE, 7,
                "{\"ge_millis\":1,\"lt_millis\":2,\"count\":7}")));

        RouteStats between = after.minus(before);

        assertThat(between.requestsByKind()).isEqualTo(Map.of("bulk", 3L, "count", 1L));
        assertThat(between.handlingByKind().get("bulk")).isEqualTo(new RouteStats.Millis(12, 24));
        assertThat(between.handlingByKind().get("count").min()).isEqualTo(65536);
        assertThat(between.handlingByKind().get("count").max()).isInfinite();
    }

    @Test
    void kindsByRoute() {
        assertThat(RouteStats.kind("/{index}/_bulk")).isEqualTo("bulk");
        assertThat(RouteStats.kind("/_pit")).isEqualTo("pit-close");
        assertThat(RouteStats.kind("/{index}/_pit")).isEqualTo("pit-open");
        assertThat(RouteStats.kind("/_index_template/{name}")).isEqualTo("other /_index_template/{name}");
    }

    private static String stats(String routes) {
        return "{\"nodes\":{\"n1\":{\"http\":{\"current_open\":1,\"routes\":{" + routes + "}}}}}";
    }

    private static String route(String path, long requests, String buckets) {
        return "\"" + path + "\":{\"requests\":{\"count\":" + requests + "},\"responses\":{\"count\":" + requests
                + ",\"handling_time_histogram\":[" + buckets + "]}}";
    }
}
