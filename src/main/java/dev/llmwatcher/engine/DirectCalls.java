package dev.llmwatcher.engine;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** A pass without the answer cache: nothing is looked up, and every document makes its own call. */
final class DirectCalls implements PassAnswers {

    private final DocumentProcessor processor;

    DirectCalls(DocumentProcessor processor) {
        this.processor = processor;
    }

    @Override
    public int groupSize(int pageSize) {
        return 1;
    }

    @Override
    public List<PreparedDocument> answerFromCache(List<PreparedDocument> prepared,
                                                  Consumer<DocumentOutcome> outcomes) {
        return prepared;
    }

    @Override
    public Optional<DocumentOutcome> callOrShare(PreparedDocument prepared, CallTimeout timeout,
                                                 Consumer<DocumentOutcome> outcomes) {
        return Optional.of(processor.call(prepared, timeout));
    }
}
