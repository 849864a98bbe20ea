package dev.llmwatcher.answer;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

import java.util.Collection;
import java.util.stream.Collectors;

/**
 * Field names from a model's answer, written into errors and log lines. The names are the model's (and so possibly a
 * stranger's) text: each is quoted as a JSON string (a line break or a control character cannot start a forged log
 * line), cut at {@value #LONGEST} characters, and at most {@value #SHOWN} are listed.
 */
final class FieldNames {

    private static final int SHOWN = 10;
    private static final int LONGEST = 64;

    private FieldNames() {
    }

    /** {@code "price", "message" and 3 more}. */
    static String shown(Collection<String> names) {
        String listed = names.stream().limit(SHOWN).map(FieldNames::quoted).collect(Collectors.joining(", "));
        return names.size() > SHOWN ? listed + " and " + (names.size() - SHOWN) + " more" : listed;
    }

    /** {@code 1 field}, {@code 3 fields}. */
    static String count(int fields) {
        return fields == 1 ? "1 field" : fields + " fields";
    }

    static String quoted(String name) {
        String cut = name.length() <= LONGEST ? name : name.substring(0, LONGEST) + "…";
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(cut)) + "\"";
    }
}
