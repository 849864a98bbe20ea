package dev.llmwatcher.cli;

import java.util.Set;

/** One word of the command line ({@code watch}, {@code setup}, {@code status}, ...). */
public interface Command {

    /** The word that selects it. */
    String name();

    /** One line for {@code --help}. */
    String summary();

    /** Flags without a value that this command accepts besides the settings. */
    default Set<String> switches() {
        return Set.of();
    }

    /** Flags with a value that this command accepts besides the settings. */
    default Set<String> options() {
        return Set.of();
    }

    /** Extra lines for this command's {@code --help}: its own flags. */
    default String help() {
        return "";
    }

    /** Runs and returns the process exit status. */
    int run(Arguments arguments, Console console) throws Exception;
}
