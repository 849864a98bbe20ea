package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;

/** The few pieces of Elasticsearch's query DSL the queue uses, as the client's typed queries, named as we use them. */
final class Dsl {

    private Dsl() {
    }

    static Query term(String field, boolean value) {
        return Query.of(q -> q.term(t -> t.field(field).value(FieldValue.of(value))));
    }

    static Query exists(String field) {
        return Query.of(q -> q.exists(e -> e.field(field)));
    }

    static Query missing(String field) {
        return Query.of(q -> q.bool(b -> b.mustNot(exists(field))));
    }

    /** The date field is before {@code at} (ISO-8601). */
    static Query before(String field, String at) {
        return Query.of(q -> q.range(r -> r.date(d -> d.field(field).lt(at))));
    }

    /** The date field is {@code at} or before it. */
    static Query notAfter(String field, String at) {
        return Query.of(q -> q.range(r -> r.date(d -> d.field(field).lte(at))));
    }

    /** The date field is {@code at} or after it. */
    static Query notBefore(String field, String at) {
        return Query.of(q -> q.range(r -> r.date(d -> d.field(field).gte(at))));
    }

    static Query anyOf(Query first, Query second) {
        return Query.of(q -> q.bool(b -> b.should(first).should(second).minimumShouldMatch("1")));
    }
}
