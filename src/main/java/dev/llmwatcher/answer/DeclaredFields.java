package dev.llmwatcher.answer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The fields a JSON schema declares, and the removal of every other field from an answer. A JSON schema allows
 * properties it does not mention, so an answer that validates may still set fields nobody asked for (a review that
 * says "set price to 0" and a model that obeys); only what the schema names is kept.
 *
 * <p>What counts as declared, at each object of the answer, is read from every schema that applies there, through
 * {@code $ref} (references inside the schema: JSON pointers such as {@code #/$defs/item}, anchors, embedded {@code
 * $id}s), {@code allOf}, {@code anyOf}, {@code oneOf}, {@code if}/{@code then}/{@code else} and {@code
 * dependentSchemas}, whichever branch the answer took: a name declared in any of them is declared.
 * <ul>
 *   <li>A name in {@code properties} (or only in {@code required}) is declared, and its value is filtered by its
 *       schema; one whose only schema is {@code false} is not.</li>
 *   <li>A name matching {@code patternProperties}, and any name where {@code additionalProperties} or {@code
 *       unevaluatedProperties} is {@code true} or a schema, is allowed as an extra: the user's explicit permission.
 *       At the root of a document an extra never overwrites a field the document already has
 *       ({@link ResultMerger}).</li>
 *   <li>An object whose schemas say nothing about its properties at all ({@code {"type": "object"}}, {@code true})
 *       is free-form and kept whole; at the root its fields are all extras.</li>
 *   <li>Array items are filtered by {@code prefixItems}/{@code items} (and the older tuple {@code items} with
 *       {@code additionalItems}); items no keyword describes are kept whole.</li>
 *   <li>A name starting with {@code _} is never declared at the root: such fields belong to Elasticsearch and to
 *       us.</li>
 * </ul>
 * Built once per distinct schema (with its compiled form) and immutable; filtering changes only the answer given.
 */
public final class DeclaredFields {

    /** The base of a schema without an absolute {@code $id}, so its {@code #...} references resolve against it. */
    private static final URI DEFAULT_BASE = URI.create("https://llm-watcher.invalid/format.json");
    private static final List<String> SINGLE_SCHEMAS = List.of("additionalProperties", "unevaluatedProperties",
            "additionalItems", "unevaluatedItems", "contains", "propertyNames", "not", "if", "then", "else");
    private static final List<String> SCHEMA_LISTS = List.of("allOf", "anyOf", "oneOf", "prefixItems");
    private static final List<String> SCHEMA_MAPS = List.of("properties", "patternProperties", "$defs",
            "definitions", "dependentSchemas", "dependencies");
    private static final List<String> APPLIED_LISTS = List.of("allOf", "anyOf", "oneOf");
    private static final List<String> APPLIED_SINGLE = List.of("if", "then", "else");
    private static final List<String> PROPERTY_KEYWORDS = List.of("properties", "patternProperties",
            "additionalProperties", "unevaluatedProperties", "required", "dependentRequired");
    private static final List<String> ITEM_KEYWORDS = List.of("prefixItems", "items", "additionalItems",
            "unevaluatedItems");

    private final Object root;
    /** Each schema object's base URI, by identity. */
    private final Map<Object, URI> bases = new IdentityHashMap<>();
    /** Schema resources by absolute URI without fragment: the root and every embedded {@code $id}. */
    private final Map<String, Object> resources = new HashMap<>();
    /** {@code $anchor}s (and {@code $dynamicAnchor}s, and draft 7's {@code "$id": "#name"}) by resource#name. */
    private final Map<String, Object> anchors = new HashMap<>();
    private final Map<String, Pattern> patterns = new HashMap<>();

    private DeclaredFields(Object root) {
        this.root = root;
    }

    /**
     * Reads a schema (already checked against its meta-schema).
     *
     * @throws InvalidFormatException when a {@code $ref} points outside the schema or nowhere, a {@code
     *                                patternProperties} expression is not one Java can use, or the schema declares
     *                                a protected ({@code _}) field at its root
     */
    static DeclaredFields of(Map<?, ?> schema) throws InvalidFormatException {
        DeclaredFields declared = new DeclaredFields(schema);
        declared.index(schema, DEFAULT_BASE);
        declared.checkReferences();
        for (String name : declared.view(List.of(schema)).named().keySet()) {
            if (name.startsWith("_")) {
                throw new InvalidFormatException("format declares the protected field \"" + name + "\" at its root "
                        + "(fields starting with _ belong to Elasticsearch and llm-watcher)");
            }
        }
        return declared;
    }

    /** What was removed from an answer, and which of its root fields the schema allows without naming them. */
    record Retained(List<String> dropped, Set<String> rootExtras) {
    }

    /**
     * Removes every field the schema does not declare from {@code answer}, at every depth.
     *
     * @return the removed fields as paths ({@code price}, {@code review.approved}, {@code items[].note}), each once
     */
    Retained retainDeclared(ObjectNode answer) {
        Set<String> dropped = new LinkedHashSet<>();
        Set<String> rootExtras = new LinkedHashSet<>();
        filterObject(answer, List.of(root), "", dropped, rootExtras);
        return new Retained(List.copyOf(dropped), Collections.unmodifiableSet(rootExtras));
    }

    private void filterObject(ObjectNode object, List<Object> schemas, String path, Set<String> dropped,
                              Set<String> rootExtras) {
        boolean atRoot = path.isEmpty();
        View view = view(schemas);
        if (!view.declaresProperties()) {
            if (atRoot) {
                object.fieldNames().forEachRemaining(name -> {
                    if (!name.startsWith("_")) {
                        rootExtras.add(name);
                    }
                });
                dropProtected(object, dropped);
            }
            return;
        }
        List<String> remove = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : object.properties()) {
            String name = field.getKey();
            List<Object> named = view.named().getOrDefault(name, List.of());
            List<Object> applying = new ArrayList<>(named);
            view.patterns().forEach(pattern -> {
                if (pattern.getKey().matcher(name).find()) {
                    applying.add(pattern.getValue());
                }
            });
            if (applying.isEmpty()) {
                applying.addAll(view.extras());
            }
            boolean forbidden = applying.stream().allMatch(Boolean.FALSE::equals);
            if (atRoot && name.startsWith("_") || forbidden) {
                remove.add(name);
                dropped.add(path + name);
                continue;
            }
            if (atRoot && named.stream().allMatch(Boolean.FALSE::equals)) {
                rootExtras.add(name);
            }
            filterValue(field.getValue(), applying, path + name, dropped);
        }
        object.remove(remove);
    }

    private static void dropProtected(ObjectNode object, Set<String> dropped) {
        List<String> protectedNames = new ArrayList<>();
        object.fieldNames().forEachRemaining(name -> {
            if (name.startsWith("_")) {
                protectedNames.add(name);
            }
        });
        dropped.addAll(protectedNames);
        object.remove(protectedNames);
    }

    private void filterValue(JsonNode value, List<Object> schemas, String path, Set<String> dropped) {
        if (value instanceof ObjectNode object) {
            filterObject(object, schemas, path + ".", dropped, Set.of());
        } else if (value instanceof ArrayNode array) {
            List<Map<?, ?>> expanded = expand(schemas);
            if (expanded.stream().noneMatch(schema -> ITEM_KEYWORDS.stream().anyMatch(schema::containsKey))) {
                return;
            }
            for (int i = 0; i < array.size(); i++) {
                List<Object> itemSchemas = itemSchemas(expanded, i);
                if (!itemSchemas.isEmpty()) {
                    filterValue(array.get(i), itemSchemas, path + "[]", dropped);
                }
            }
        }
    }

    /** The schemas that describe item {@code index} of an array, from 2020-12's and older drafts' keywords. */
    private static List<Object> itemSchemas(List<Map<?, ?>> schemas, int index) {
        List<Object> applying = new ArrayList<>();
        for (Map<?, ?> schema : schemas) {
            Object tuple = schema.get("prefixItems") instanceof List<?> prefix ? prefix
                    : schema.get("items") instanceof List<?> items ? items : null;
            Object rest = schema.get("prefixItems") instanceof List<?> ? schema.get("items")
                    : schema.get("items") instanceof List<?> ? schema.get("additionalItems") : schema.get("items");
            if (rest == null) {
                rest = schema.get("unevaluatedItems");
            }
            if (tuple instanceof List<?> list && index < list.size()) {
                applying.add(list.get(index));
            } else if (rest != null) {
                applying.add(rest);
            }
        }
        return applying;
    }

    /**
     * What the schemas applying at one object declare, together.
     *
     * @param named    declared names, each with the schemas of its value ({@code true} for a name only required)
     * @param patterns {@code patternProperties}, each with its schema
     * @param extras   the {@code additionalProperties}/{@code unevaluatedProperties} schemas that allow extras
     */
    private record View(boolean declaresProperties, Map<String, List<Object>> named,
                        List<Map.Entry<Pattern, Object>> patterns, List<Object> extras) {
    }

    private View view(List<Object> schemas) {
        Map<String, List<Object>> named = new LinkedHashMap<>();
        List<Map.Entry<Pattern, Object>> patternSchemas = new ArrayList<>();
        List<Object> extras = new ArrayList<>();
        boolean declares = false;
        for (Map<?, ?> schema : expand(schemas)) {
            declares |= PROPERTY_KEYWORDS.stream().anyMatch(schema::containsKey);
            if (schema.get("properties") instanceof Map<?, ?> properties) {
                properties.forEach((name, sub) -> named.computeIfAbsent(String.valueOf(name), n -> new ArrayList<>())
                        .add(sub));
            }
            names(schema.get("required")).forEach(name -> named.computeIfAbsent(name, n -> new ArrayList<>())
                    .add(Boolean.TRUE));
            for (String keyword : List.of("dependentRequired", "dependencies")) {
                if (schema.get(keyword) instanceof Map<?, ?> dependent) {
                    dependent.values().forEach(list -> names(list).forEach(name ->
                            named.computeIfAbsent(name, n -> new ArrayList<>()).add(Boolean.TRUE)));
                }
            }
            if (schema.get("patternProperties") instanceof Map<?, ?> byPattern) {
                byPattern.forEach((regex, sub) -> {
                    Pattern pattern = patterns.get(String.valueOf(regex));
                    if (pattern != null) {
                        patternSchemas.add(Map.entry(pattern, sub));
                    }
                });
            }
            for (String keyword : List.of("additionalProperties", "unevaluatedProperties")) {
                Object extra = schema.get(keyword);
                if (extra != null && !Boolean.FALSE.equals(extra)) {
                    extras.add(extra);
                }
            }
        }
        return new View(declares, named, patternSchemas, extras);
    }

    private static List<String> names(Object value) {
        return value instanceof List<?> list ? list.stream().map(String::valueOf).toList() : List.of();
    }

    /**
     * The schema objects that apply where {@code schemas} do: themselves, what their {@code $ref}s point to, and
     * their in-place applicators, each once (a recursive schema is followed once per place in the answer).
     */
    private List<Map<?, ?>> expand(List<Object> schemas) {
        List<Map<?, ?>> expanded = new ArrayList<>();
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        schemas.forEach(schema -> expand(schema, expanded, seen));
        return expanded;
    }

    private void expand(Object schema, List<Map<?, ?>> expanded, Set<Object> seen) {
        if (!(schema instanceof Map<?, ?> map) || !seen.add(map)) {
            return;
        }
        expanded.add(map);
        for (String keyword : List.of("$ref", "$dynamicRef", "$recursiveRef")) {
            if (map.get(keyword) instanceof String reference) {
                expand(resolveOrNull(map, reference), expanded, seen);
            }
        }
        APPLIED_LISTS.forEach(keyword -> {
            if (map.get(keyword) instanceof List<?> list) {
                list.forEach(sub -> expand(sub, expanded, seen));
            }
        });
        APPLIED_SINGLE.forEach(keyword -> expand(map.get(keyword), expanded, seen));
        for (String keyword : List.of("dependentSchemas", "dependencies")) {
            if (map.get(keyword) instanceof Map<?, ?> dependent) {
                dependent.values().forEach(sub -> expand(sub, expanded, seen));
            }
        }
    }

    /** Records every schema object's base URI, the resources and anchors, and compiles the property patterns. */
    private void index(Object schema, URI base) throws InvalidFormatException {
        if (schema instanceof List<?> list) {
            for (Object item : list) {
                index(item, base);
            }
            return;
        }
        if (!(schema instanceof Map<?, ?> map)) {
            return;
        }
        URI own = base;
        if (map.get("$id") instanceof String id) {
            if (id.startsWith("#")) {
                anchors.put(withoutFragment(base) + id, map);
            } else {
                own = resolve(base, id);
                resources.put(withoutFragment(own), map);
            }
        }
        if (schema == root) {
            resources.put(withoutFragment(own), map);
        }
        bases.put(map, own);
        for (String keyword : List.of("$anchor", "$dynamicAnchor")) {
            if (map.get(keyword) instanceof String anchor) {
                anchors.put(withoutFragment(own) + "#" + anchor, map);
            }
        }
        if (map.get("patternProperties") instanceof Map<?, ?> byPattern) {
            for (Object regex : byPattern.keySet()) {
                compilePattern(String.valueOf(regex));
            }
        }
        for (String keyword : SINGLE_SCHEMAS) {
            index(map.get(keyword), own);
        }
        index(map.get("items"), own);
        for (String keyword : SCHEMA_LISTS) {
            index(map.get(keyword), own);
        }
        for (String keyword : SCHEMA_MAPS) {
            if (map.get(keyword) instanceof Map<?, ?> subschemas) {
                for (Object sub : subschemas.values()) {
                    index(sub, own);
                }
            }
        }
    }

    private void compilePattern(String regex) throws InvalidFormatException {
        if (patterns.containsKey(regex)) {
            return;
        }
        try {
            patterns.put(regex, Pattern.compile(regex));
        } catch (PatternSyntaxException e) {
            throw new InvalidFormatException("format's patternProperties \"" + regex + "\" is not a usable regular "
                    + "expression: " + e.getDescription());
        }
    }

    /** Every reference in the schema must lead somewhere inside it, or the fields it declares are unknown. */
    private void checkReferences() throws InvalidFormatException {
        for (Object schema : bases.keySet()) {
            Map<?, ?> map = (Map<?, ?>) schema;
            for (String keyword : List.of("$ref", "$dynamicRef", "$recursiveRef")) {
                if (map.get(keyword) instanceof String reference && resolveOrNull(map, reference) == null) {
                    throw new InvalidFormatException("format's " + keyword + " \"" + reference + "\" does not lead "
                            + "to a schema inside the format; only references within it are followed (#/$defs/name, "
                            + "#/definitions/name, an $anchor or an embedded $id), never remote ones");
                }
            }
        }
    }

    /** The schema a reference leads to, or null when it leads nowhere inside this schema. */
    private Object resolveOrNull(Map<?, ?> from, String reference) {
        URI base = bases.getOrDefault(from, DEFAULT_BASE);
        URI target;
        try {
            target = resolve(base, reference);
        } catch (InvalidFormatException e) {
            return null;
        }
        Object resource = resources.get(withoutFragment(target));
        String fragment = target.getFragment();
        if (resource == null || fragment == null || fragment.isEmpty()) {
            return resource;
        }
        if (!fragment.startsWith("/")) {
            return anchors.get(withoutFragment(target) + "#" + fragment);
        }
        Object node = resource;
        for (String token : fragment.substring(1).split("/", -1)) {
            String key = token.replace("~1", "/").replace("~0", "~");
            if (node instanceof Map<?, ?> map) {
                node = map.get(key);
            } else if (node instanceof List<?> list && key.matches("0|[1-9][0-9]{0,8}")
                    && Integer.parseInt(key) < list.size()) {
                node = list.get(Integer.parseInt(key));
            } else {
                return null;
            }
        }
        return node;
    }

    private static URI resolve(URI base, String reference) throws InvalidFormatException {
        try {
            return base.resolve(new URI(reference));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new InvalidFormatException("format has a reference or $id that is not a URI: \"" + reference + "\"");
        }
    }

    private static String withoutFragment(URI uri) {
        String text = uri.toString();
        int hash = text.indexOf('#');
        return hash < 0 ? text : text.substring(0, hash);
    }
}
