package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.query_dsl.BoolQuery;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import dev.llmwatcher.queue.ModelFilter;
import dev.llmwatcher.queue.QueueFields;

import java.util.List;

/**
 * A {@link ModelFilter} as query clauses on {@code _llm_watcher.model}: {@code field} is the exact-match field
 * (the keyword field of our template, or the {@code .keyword} subfield of a dynamic mapping), and a document naming
 * no model asks for {@link QueueFields#DEFAULT_MODEL}, as the stored script's default.
 */
final class ModelQuery {

    private static final String PATH = QueueFields.path(QueueFields.MODEL);

    private ModelQuery() {
    }

    /** Adds the filter's clauses to {@code query}. */
    static void apply(ModelFilter filter, String field, BoolQuery.Builder query) {
        if (!filter.excluded().isEmpty()) {
            List<FieldValue> models = filter.excluded().stream().map(FieldValue::of).toList();
            query.mustNot(Query.of(q -> q.terms(t -> t.field(field).terms(v -> v.value(models)))));
            if (filter.excluded().contains(QueueFields.DEFAULT_MODEL)) {
                query.mustNot(Dsl.missing(PATH));
            }
        }
        filter.only().ifPresent(model -> {
            Query named = Query.of(q -> q.term(t -> t.field(field).value(model)));
            query.filter(QueueFields.DEFAULT_MODEL.equals(model) ? Dsl.anyOf(named, Dsl.missing(PATH)) : named);
        });
    }
}
