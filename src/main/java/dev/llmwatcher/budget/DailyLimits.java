package dev.llmwatcher.budget;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The configured daily token budgets: a number of tokens per UTC day for each model named, and optionally one for
 * every model not named ({@code *}). A model with no budget may spend without limit, as before budgets existed; a
 * budget of 0 stops a model altogether ({@code gpt-4o-mini=2M,*=0} lets one model through and no other).
 *
 * @param perModel   tokens per day by model name, exactly as documents name the model
 * @param everyOther tokens per day for each model not in {@code perModel}
 */
public record DailyLimits(Map<String, Long> perModel, OptionalLong everyOther) {

    public static final DailyLimits NONE = new DailyLimits(Map.of(), OptionalLong.empty());

    /** The wildcard that stands for every model not named. */
    public static final String EVERY_OTHER = "*";

    public DailyLimits {
        perModel = Map.copyOf(perModel);
    }

    /** The model's daily budget; empty when it has none (no limit). */
    public OptionalLong of(String model) {
        Long named = perModel.get(model);
        return named != null ? OptionalLong.of(named) : everyOther;
    }

    /** True when any model has a budget. */
    public boolean any() {
        return !perModel.isEmpty() || everyOther.isPresent();
    }

    /**
     * Reads {@code MODEL=TOKENS[,MODEL=TOKENS...]}; {@code *=TOKENS} for every model not named. TOKENS is a whole
     * number, optionally with {@code _} between digits and a {@code k} (thousand) or {@code M} (million) suffix. Blank
     * means no budget at all.
     *
     * @throws IllegalArgumentException naming the entry that is wrong and how
     */
    public static DailyLimits parse(String text) {
        if (text == null || text.isBlank()) {
            return NONE;
        }
        Map<String, Long> perModel = new LinkedHashMap<>();
        Long everyOther = null;
        for (String entry : text.split(",", -1)) {
            String trimmed = entry.strip();
            int equals = trimmed.lastIndexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("'" + trimmed + "' is not MODEL=TOKENS (e.g. gpt-4o-mini=2000000, "
                        + "or *=500000 for every model not named)");
            }
            String model = trimmed.substring(0, equals).strip();
            long tokens = tokens(model, trimmed.substring(equals + 1).strip());
            if (EVERY_OTHER.equals(model)) {
                if (everyOther != null) {
                    throw new IllegalArgumentException("'*' is given twice");
                }
                everyOther = tokens;
            } else if (perModel.put(model, tokens) != null) {
                throw new IllegalArgumentException("model '" + model + "' is given twice");
            }
        }
        return new DailyLimits(perModel, everyOther == null ? OptionalLong.empty() : OptionalLong.of(everyOther));
    }

    private static long tokens(String model, String value) {
        String digits = value.replace("_", "").toLowerCase(Locale.ROOT);
        long factor = 1;
        if (digits.endsWith("k")) {
            factor = 1_000;
            digits = digits.substring(0, digits.length() - 1);
        } else if (digits.endsWith("m")) {
            factor = 1_000_000;
            digits = digits.substring(0, digits.length() - 1);
        }
        try {
            long tokens = Math.multiplyExact(Long.parseLong(digits), factor);
            if (tokens < 0) {
                throw new NumberFormatException();
            }
            return tokens;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("the budget of '" + model + "' is '" + value + "', not a whole number "
                    + "of tokens (e.g. 2000000, 2_000_000, 2000k or 2M)");
        }
    }
}
