package dev.llmwatcher.queue;

import co.elastic.clients.elasticsearch._types.query_dsl.Query;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Which queue documents a run may take now. Shared by the scan and the count so "Found N" and the pages agree.
 *
 * <ul>
 *   <li>Both selections: not parked, and no live claim ({@code claim.until} missing or before now).</li>
 *   <li>{@link Selection#NEW}: no {@code error}.</li>
 *   <li>{@link Selection#RETRY}: an {@code error}, and {@code next_attempt_at} missing or not after now.</li>
 * </ul>
 */
final class EligibilityQuery {

    private EligibilityQuery() {
    }

    static Query of(Selection selection, Instant now) {
        String at = iso(now);
        Query claimFree = anyOf(missing(QueueFields.CLAIM_UNTIL_PATH),
                Query.of(q -> q.range(r -> r.date(d -> d.field(QueueFields.CLAIM_UNTIL_PATH).lt(at)))));
        Query parked = Query.of(q -> q.term(t -> t.field(QueueFields.PARKED_PATH).value(true)));
        Query hasError = exists(QueueFields.ERROR_PATH);
        return Query.of(q -> q.bool(b -> {
            b.filter(claimFree).mustNot(parked);
            if (selection == Selection.NEW) {
                b.mustNot(hasError);
            } else {
                b.filter(hasError).filter(anyOf(missing(QueueFields.NEXT_ATTEMPT_AT_PATH),
                        Query.of(n -> n.range(r -> r.date(d -> d.field(QueueFields.NEXT_ATTEMPT_AT_PATH).lte(at))))));
            }
            return b;
        }));
    }

    /** Dates as we write and compare them: ISO-8601 UTC with milliseconds, Elasticsearch's default precision. */
    static String iso(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MILLIS).toString();
    }

    private static Query exists(String field) {
        return Query.of(q -> q.exists(e -> e.field(field)));
    }

    private static Query missing(String field) {
        return Query.of(q -> q.bool(b -> b.mustNot(exists(field))));
    }

    private static Query anyOf(Query first, Query second) {
        return Query.of(q -> q.bool(b -> b.should(first, second).minimumShouldMatch("1")));
    }
}
