package dev.llmwatcher.cli;

import dev.llmwatcher.config.Setting;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A parsed command line: an optional command word, then flags. Flags that are {@link Setting}s become entries under
 * their environment variable names (so the configuration reads flags and environment the same way, flags winning);
 * command-specific options are kept apart for the command to read.
 *
 * @param command   the first word when it is not a flag ({@code setup}, {@code status}, ...), or {@code watch}
 * @param settings  setting flags, keyed by environment variable name
 * @param switches  command-specific flags without a value ({@code --once}, {@code --json})
 * @param options   command-specific flags with a value ({@code --event FILE})
 * @param operands  remaining words ({@code invoke watcher})
 */
public record Arguments(String command, Map<String, String> settings, Set<String> switches,
                        Map<String, String> options, List<String> operands) {

    public static final String DEFAULT_COMMAND = "watch";

    /**
     * Parses {@code args}; {@code knownSwitches} and {@code knownOptions} are the command-specific flags the
     * caller accepts besides the settings.
     */
    public static Arguments parse(String[] args, Set<String> knownSwitches, Set<String> knownOptions) {
        int start = 0;
        String command = DEFAULT_COMMAND;
        if (args.length > 0 && !args[0].startsWith("-")) {
            command = args[0];
            start = 1;
        }
        Map<String, String> settings = new HashMap<>();
        Set<String> switches = new HashSet<>();
        Map<String, String> options = new HashMap<>();
        List<String> operands = new ArrayList<>();
        for (int i = start; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                operands.add(arg);
                continue;
            }
            String flag = arg;
            String inlineValue = null;
            int equals = arg.indexOf('=');
            if (equals > 0) {
                flag = arg.substring(0, equals);
                inlineValue = arg.substring(equals + 1);
            }
            Optional<Setting> setting = Setting.byFlag(flag);
            if (setting.isPresent() && setting.get().isSwitch()) {
                settings.put(setting.get().variable(), inlineValue == null ? "true" : inlineValue);
            } else if (setting.isPresent()) {
                String value = inlineValue != null ? inlineValue : valueAfter(args, i++, flag);
                settings.put(setting.get().variable(), value);
            } else if (knownSwitches.contains(flag) && inlineValue == null) {
                switches.add(flag);
            } else if (knownOptions.contains(flag)) {
                options.put(flag, inlineValue != null ? inlineValue : valueAfter(args, i++, flag));
            } else {
                throw new UsageException("unknown flag " + flag + " (see --help)");
            }
        }
        return new Arguments(command, Map.copyOf(settings), Set.copyOf(switches), Map.copyOf(options),
                List.copyOf(operands));
    }

    private static String valueAfter(String[] args, int index, String flag) {
        if (index + 1 >= args.length || args[index + 1].startsWith("--")) {
            throw new UsageException(flag + " needs a value");
        }
        return args[index + 1];
    }

    public boolean has(String flag) {
        return switches.contains(flag);
    }

    /** Environment and flags merged, flags winning: what the configuration reads. */
    public Map<String, String> settingsOver(Map<String, String> environment) {
        Map<String, String> merged = new HashMap<>(environment);
        merged.putAll(settings);
        return merged;
    }
}
