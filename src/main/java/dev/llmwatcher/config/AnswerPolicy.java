package dev.llmwatcher.config;

import java.util.Locale;

/**
 * What a model's answer may change and where it may go. Documents are written by strangers and a model can be told
 * by them what to answer, so the answer is untrusted input: only the fields its schema declares are merged, it has a
 * size and a field count it may not exceed, and it is written only into the indices the operator allows.
 *
 * @param undeclaredFields     what happens to an answer with fields its schema does not declare
 * @param maxAnswerBytes       the longest answer accepted, in UTF-8 bytes (after the model's reasoning is removed)
 * @param maxAnswerFields      the most distinct field paths an answer object may have, nested ones included
 * @param allowedTargetIndices the indices answers may be written to
 */
public record AnswerPolicy(UndeclaredFields undeclaredFields, int maxAnswerBytes, int maxAnswerFields,
                           IndexPatterns allowedTargetIndices) {

    /** Generous bounds that no ordinary answer comes near, undeclared fields dropped, any index. */
    public static final AnswerPolicy DEFAULT = new AnswerPolicy(UndeclaredFields.DROP, 65_536, 1_000,
            IndexPatterns.ANY);

    /** {@code --undeclared-fields}: drop them (and count and log them), or fail the document. */
    public enum UndeclaredFields {
        DROP, FAIL;

        public static UndeclaredFields parse(String value) {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        }
    }

    public boolean failsOnUndeclaredFields() {
        return undeclaredFields == UndeclaredFields.FAIL;
    }

    public AnswerPolicy withUndeclaredFields(UndeclaredFields mode) {
        return new AnswerPolicy(mode, maxAnswerBytes, maxAnswerFields, allowedTargetIndices);
    }

    public AnswerPolicy withAllowedTargetIndices(IndexPatterns patterns) {
        return new AnswerPolicy(undeclaredFields, maxAnswerBytes, maxAnswerFields, patterns);
    }

    public AnswerPolicy withLimits(int bytes, int fields) {
        return new AnswerPolicy(undeclaredFields, bytes, fields, allowedTargetIndices);
    }
}
