package dev.llmwatcher.queue;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

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

    static Map<String, Object> of(Selection selection, Instant now) {
        String at = iso(now);
        Dsl.Bool query = Dsl.bool()
                .filter(Dsl.anyOf(Dsl.missing(QueueFields.CLAIM_UNTIL_PATH),
                        Dsl.range(QueueFields.CLAIM_UNTIL_PATH, "lt", at)))
                .mustNot(parked());
        if (selection == Selection.NEW) {
            query.mustNot(Dsl.exists(QueueFields.ERROR_PATH));
        } else {
            query.filter(Dsl.exists(QueueFields.ERROR_PATH))
                    .filter(Dsl.anyOf(Dsl.missing(QueueFields.NEXT_ATTEMPT_AT_PATH),
                            Dsl.range(QueueFields.NEXT_ATTEMPT_AT_PATH, "lte", at)));
        }
        return query.build();
    }

    static Map<String, Object> parked() {
        return Dsl.term(QueueFields.PARKED_PATH, true);
    }

    static Map<String, Object> liveClaim(Instant now) {
        return Dsl.range(QueueFields.CLAIM_UNTIL_PATH, "gte", iso(now));
    }

    /** Dates as we write and compare them: ISO-8601 UTC with milliseconds, Elasticsearch's default precision. */
    static String iso(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MILLIS).toString();
    }
}
