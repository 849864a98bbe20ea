package dev.llmwatcher.engine;

import dev.llmwatcher.llm.LlmAnswer;

import java.util.List;

/** The answer cache when it is off: it answers nothing and keeps nothing. */
enum AnswerCacheOff implements CachedAnswers {

    INSTANCE;

    @Override
    public PassAnswers forPass(DocumentProcessor processor) {
        return new DirectCalls(processor);
    }

    @Override
    public Answered answer(List<PreparedDocument> prepared) {
        return new Answered(List.of(), prepared);
    }

    @Override
    public boolean sharesCalls() {
        return false;
    }

    @Override
    public DocumentOutcome.Completed keeping(DocumentOutcome.Completed completed, PreparedDocument prepared,
                                             LlmAnswer answer) {
        return completed;
    }
}
