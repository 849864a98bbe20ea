package dev.llmwatcher.store;

import dev.llmwatcher.budget.LedgerDay;
import dev.llmwatcher.budget.LedgerLease;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The token budget ledger's document in an index of ours: one per model and UTC day, {@code _id} {@code DAY/MODEL},
 * holding the tokens spent, the budget the last chunk was asked under, the smallest call refused, and every live
 * lease ({@code holder}, {@code tokens}, {@code until}; kept in {@code _source}, not indexed).
 */
public final class LedgerDocuments {

    public static final String DEFAULT_INDEX = "llm-watcher-token-budget";
    public static final String RESOURCE = "/llm-watcher/token-budget-index-template.json";
    /** Most models one day's read returns. */
    public static final int MAX_MODELS = 1000;
    /** The engines' limit on an {@code _id}, in bytes. */
    private static final int MAX_ID_BYTES = 512;

    private LedgerDocuments() {
    }

    /** {@code DAY/MODEL}, or {@code DAY/sha256:HEX} for a model name too long for an id. */
    public static String id(String model, LocalDate day) {
        String id = day + "/" + model;
        if (id.getBytes(StandardCharsets.UTF_8).length <= MAX_ID_BYTES) {
            return id;
        }
        try {
            return day + "/sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(model.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    public static Map<String, Object> source(LedgerDay day, Instant now) {
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("model", day.model());
        source.put("day", day.day().toString());
        source.put("spent", day.spent());
        source.put("limit", day.limit());
        source.put("refused_need", day.refusedNeed());
        source.put("leases", day.leases().stream().map(lease -> Map.of("holder", lease.holder(),
                "tokens", lease.tokens(), "until", QueueQueries.iso(lease.until()))).toList());
        source.put("updated_at", QueueQueries.iso(now));
        return source;
    }

    /** A stored day; leases it cannot read are left out (they would end anyway), numbers it cannot read are 0. */
    public static LedgerDay day(Map<?, ?> source, String model, LocalDate day) {
        List<LedgerLease> leases = new ArrayList<>();
        if (source.get("leases") instanceof List<?> stored) {
            for (Object entry : stored) {
                lease(entry).ifPresent(leases::add);
            }
        }
        return new LedgerDay(model, day, number(source.get("spent")), number(source.get("limit")),
                number(source.get("refused_need")), leases);
    }

    /** The index template that gives {@code index} the ledger's mappings: {@value #DEFAULT_INDEX}[-index]. */
    public static String templateName(String index) {
        return DEFAULT_INDEX.equals(index) ? DEFAULT_INDEX : DEFAULT_INDEX + "-" + index;
    }

    private static Optional<LedgerLease> lease(Object entry) {
        if (entry instanceof Map<?, ?> lease && lease.get("holder") instanceof String holder
                && lease.get("until") instanceof String until) {
            try {
                return Optional.of(new LedgerLease(holder, number(lease.get("tokens")), Instant.parse(until)));
            } catch (DateTimeParseException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static long number(Object value) {
        return value instanceof Number n ? n.longValue() : 0;
    }
}
