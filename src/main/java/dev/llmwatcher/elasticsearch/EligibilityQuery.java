package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch._types.query_dsl.BoolQuery;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.Selection;

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
        BoolQuery.Builder query = new BoolQuery.Builder()
                .filter(Dsl.anyOf(Dsl.missing(QueueFields.CLAIM_UNTIL_PATH),
                        Dsl.before(QueueFields.CLAIM_UNTIL_PATH, at)))
                .mustNot(parked());
        if (selection == Selection.NEW) {
            query.mustNot(Dsl.exists(QueueFields.ERROR_PATH));
        } else {
            query.filter(Dsl.exists(QueueFields.ERROR_PATH))
                    .filter(Dsl.anyOf(Dsl.missing(QueueFields.NEXT_ATTEMPT_AT_PATH),
                            Dsl.notAfter(QueueFields.NEXT_ATTEMPT_AT_PATH, at)));
        }
        return query.build()._toQuery();
    }

    static Query parked() {
        return Dsl.term(QueueFields.PARKED_PATH, true);
    }

    static Query liveClaim(Instant now) {
        return Dsl.notBefore(QueueFields.CLAIM_UNTIL_PATH, iso(now));
    }

    /** Dates as we write and compare them: ISO-8601 UTC with milliseconds, Elasticsearch's default precision. */
    static String iso(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MILLIS).toString();
    }
}
