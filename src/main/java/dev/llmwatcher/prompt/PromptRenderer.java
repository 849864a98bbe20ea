package dev.llmwatcher.prompt;

import io.pebbletemplates.pebble.PebbleEngine;
import io.pebbletemplates.pebble.error.PebbleException;
import io.pebbletemplates.pebble.loader.StringLoader;
import io.pebbletemplates.pebble.template.PebbleTemplate;

import java.io.IOException;
import java.io.StringWriter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Renders the queue document's prompt template (Jinja-like Pebble syntax, so the original's {@code {{ctx.message}}}
 * works) with the document's own fields as {@code ctx}. Autoescaping is off (prompts are not HTML) and variables
 * are strict: a template that names a missing field fails the document instead of sending a half-empty prompt.
 * Compiled templates are cached, since thousands of documents share a handful of pipeline prompts. The Pebble engine
 * (about 150 classes) is built on the first template, not with the renderer, so a pass over an empty queue (a
 * Lambda's typical cold start) never loads it.
 */
public final class PromptRenderer {

    private static final int CACHE_SIZE = 256;

    private volatile PebbleEngine engine;

    private final Map<String, PebbleTemplate> cache = Collections.synchronizedMap(
            new LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, PebbleTemplate> eldest) {
                    return size() > CACHE_SIZE;
                }
            });

    /**
     * Renders {@code template} with {@code fields} as {@code ctx}.
     *
     * @throws PromptException for a syntax error, a missing field, or an empty result
     */
    public String render(String template, Map<String, Object> fields) throws PromptException {
        PebbleTemplate compiled = compile(template);
        StringWriter out = new StringWriter(template.length() + 256);
        try {
            compiled.evaluate(out, Map.of("ctx", withoutNulls(fields)));
        } catch (PebbleException e) {
            throw new PromptException("prompt template cannot be rendered: " + describe(e), e);
        } catch (IOException | RuntimeException e) {
            throw new PromptException("prompt template cannot be rendered: " + e.getMessage(), e);
        }
        String prompt = out.toString();
        if (prompt.isBlank()) {
            throw new PromptException("prompt template rendered to an empty prompt");
        }
        return prompt;
    }

    /**
     * A copy without null values, so strict variables treat an explicit {@code null} like a missing field: both
     * would otherwise reach the LLM as an empty hole in the prompt.
     */
    private static Map<String, Object> withoutNulls(Map<String, Object> fields) {
        Map<String, Object> copy = new LinkedHashMap<>(fields.size() * 2);
        fields.forEach((key, value) -> {
            if (value instanceof Map<?, ?> nested) {
                @SuppressWarnings("unchecked")
                Map<String, Object> typed = (Map<String, Object>) nested;
                copy.put(key, withoutNulls(typed));
            } else if (value != null) {
                copy.put(key, value);
            }
        });
        return copy;
    }

    /** Checks that a template parses, without rendering it (used by the dry run and by setup). */
    public void check(String template) throws PromptException {
        compile(template);
    }

    private PebbleTemplate compile(String template) throws PromptException {
        PebbleTemplate cached = cache.get(template);
        if (cached != null) {
            return cached;
        }
        try {
            PebbleTemplate compiled = engine().getTemplate(template);
            cache.put(template, compiled);
            return compiled;
        } catch (PebbleException e) {
            throw new PromptException("prompt template does not parse: " + describe(e), e);
        }
    }

    private PebbleEngine engine() {
        PebbleEngine built = engine;
        if (built == null) {
            synchronized (this) {
                built = engine;
                if (built == null) {
                    built = new PebbleEngine.Builder()
                            .loader(new StringLoader())
                            .autoEscaping(false)
                            .strictVariables(true)
                            .cacheActive(false)
                            .build();
                    engine = built;
                }
            }
        }
        return built;
    }

    private static String describe(PebbleException e) {
        String message = e.getPebbleMessage() == null ? e.getClass().getSimpleName() : e.getPebbleMessage();
        return e.getLineNumber() == null ? message : message + " (template line " + e.getLineNumber() + ")";
    }
}
