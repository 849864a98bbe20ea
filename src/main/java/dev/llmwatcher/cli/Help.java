package dev.llmwatcher.cli;

import dev.llmwatcher.config.Setting;

import java.util.Collection;

/** {@code --help}: generated from the commands and the {@link Setting} list, so it cannot fall out of date. */
final class Help {

    private Help() {
    }

    static String text(Command command, Collection<Command> all) {
        StringBuilder text = new StringBuilder();
        text.append("Usage: java -jar llm-watcher.jar [command] [flags]\n\n");
        text.append("Drains an Elasticsearch queue of documents through an LLM and writes the answers back.\n\n");
        text.append("Commands:\n");
        for (Command each : all) {
            text.append(String.format("  %-10s %s%n", each.name(), each.summary()));
        }
        if (!command.help().isEmpty()) {
            text.append("\nFlags of '").append(command.name()).append("':\n").append(command.help());
        }
        text.append("\nSettings (flag, environment variable, default):\n");
        for (Setting setting : Setting.values()) {
            String flag = setting.isSwitch() ? setting.flag() : setting.flag() + " VALUE";
            text.append(String.format("  %-34s %s%n      env %s%s%n", flag, setting.help(), setting.variable(),
                    setting.defaultValue().map(d -> ", default " + d).orElse("")));
        }
        return text.toString();
    }
}
