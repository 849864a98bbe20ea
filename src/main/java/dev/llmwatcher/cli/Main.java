package dev.llmwatcher.cli;

import dev.llmwatcher.config.ConfigException;
import dev.llmwatcher.queue.QueueUnavailableException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code java -jar llm-watcher.jar [command] [flags]}: the original script's interface (no command = the watch
 * loop) plus operator commands. Exit status: 0 done, 1 could not run (Elasticsearch unreachable or refusing the
 * credentials), 2 bad command line or configuration.
 */
public final class Main {

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    private final Map<String, Command> commands = new LinkedHashMap<>();

    public Main(List<Command> available) {
        available.forEach(command -> commands.put(command.name(), command));
    }

    /** The commands this build ships. */
    public static Main standard() {
        return new Main(List.of(new WatchCommand(), new SetupCommand(), new StatusCommand(), new ReleaseCommand(),
                new CacheCommand(), new BatchesCommand(), new DemoCommand(), new InvokeCommand(),
                new EnqueueCommand()));
    }

    public static void main(String[] args) {
        LogSetup.configure(args);
        System.exit(standard().run(args, Console.system()));
    }

    /** Runs one command line and returns its exit status; never calls {@code System.exit}. */
    public int run(String[] args, Console console) {
        String name = args.length > 0 && !args[0].startsWith("-") ? args[0] : Arguments.DEFAULT_COMMAND;
        Command command = commands.get(name);
        if (command == null) {
            console.err().println("llm-watcher: unknown command '" + name + "'; commands: "
                    + String.join(", ", commands.keySet()));
            return USAGE;
        }
        try {
            Set<String> switches = new java.util.HashSet<>(command.switches());
            switches.add("--help");
            Arguments arguments = Arguments.parse(args, switches, command.options());
            if (arguments.has("--help")) {
                console.out().print(Help.text(command, commands.values()));
                return OK;
            }
            return command.run(arguments, console);
        } catch (UsageException | ConfigException e) {
            console.err().println("llm-watcher: " + e.getMessage());
            return USAGE;
        } catch (QueueUnavailableException e) {
            console.err().println("llm-watcher: " + e.getMessage());
            return FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            console.err().println("llm-watcher: interrupted");
            return FAILED;
        } catch (Exception e) {
            console.err().println("llm-watcher: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return FAILED;
        }
    }
}
