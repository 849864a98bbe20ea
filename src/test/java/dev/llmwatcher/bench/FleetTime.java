package dev.llmwatcher.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where a 7a row's time went (figure 7d), to tell a fleet's own overhead from a machine that runs out of cores: when
 * each drainer process got to its first pass after it was launched (JVM start, settings, the first count), how far
 * apart the drainers' first passes and last lines were, and the CPU the drainers (the benchmark JVM's reaped
 * children, {@code /proc/self/stat}), Elasticsearch and the benchmark JVM itself (the fake LLM) used, against what
 * the machine's cores offered over the row ({@code /proc/stat}). Linux only; elsewhere the CPU columns read 0.
 */
final class FleetTime {

    /** The date format the drainers' log lines are given ({@link #flags()}), to the millisecond. */
    private static final String DATE_FORMAT = "yyyy-MM-dd HH:mm:ss.SSS";
    private static final DateTimeFormatter DATES = DateTimeFormatter.ofPattern(DATE_FORMAT, Locale.ROOT);
    private static final Pattern LINE = Pattern.compile("^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}) ");
    private static final double TICKS_PER_SECOND = 100; // USER_HZ on Linux

    private FleetTime() {
    }

    /** The flags that give a drainer process's log lines milliseconds. */
    static List<String> flags() {
        return List.of("-Dorg.slf4j.simpleLogger.dateTimeFormat=" + DATE_FORMAT);
    }

    /** CPU counters at one moment: this JVM's own and its reaped children's, and the machine's busy and total. */
    record Cpu(double selfSeconds, double childrenSeconds, double machineBusySeconds, double machineSeconds) {

        static Cpu now() {
            try {
                String stat = Files.readString(Path.of("/proc/self/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                // after the command: state is field 3, so utime (14) is f[11], stime f[12], cutime f[13], cstime f[14]
                double self = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
                double children = (Long.parseLong(f[13]) + Long.parseLong(f[14])) / TICKS_PER_SECOND;
                String[] cpu = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
                long total = 0;
                for (int i = 1; i < cpu.length; i++) {
                    total += Long.parseLong(cpu[i]);
                }
                long idle = Long.parseLong(cpu[4]) + (cpu.length > 5 ? Long.parseLong(cpu[5]) : 0);
                return new Cpu(self, children, (total - idle) / TICKS_PER_SECOND, total / TICKS_PER_SECOND);
            } catch (IOException | RuntimeException e) {
                return new Cpu(0, 0, 0, 0);
            }
        }

        Cpu minus(Cpu before) {
            return new Cpu(selfSeconds - before.selfSeconds, childrenSeconds - before.childrenSeconds,
                    machineBusySeconds - before.machineBusySeconds, machineSeconds - before.machineSeconds);
        }
    }

    /** One drainer process: when it was launched, and its log file. */
    record Drainer(long launchedEpochMillis, Path log) {

        /** Epoch milliseconds of its first pass that found documents, if any. */
        OptionalLong firstPass() {
            return lines().filter(line -> line.contains(" documents in ") && line.contains("Found "))
                    .mapToLong(FleetTime::epochMillis).filter(t -> t > 0).findFirst();
        }

        /** Epoch milliseconds of its last log line. */
        OptionalLong lastLine() {
            return lines().mapToLong(FleetTime::epochMillis).filter(t -> t > 0).reduce((a, b) -> b);
        }

        private Stream<String> lines() {
            try {
                return Files.readAllLines(log).stream();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * A row's times: mean and longest launch-to-first-pass, the spread of first passes and of last lines, the LLM
     * calling window's start against the first drainer's first pass, and the CPU over the row.
     */
    record Row(double meanStartSeconds, double maxStartSeconds, double firstPassSpread, double lastLineSpread,
               Cpu cpu, double elasticsearchCpuSeconds, double wallSeconds) {

        static Row of(List<Drainer> drainers, Cpu cpu, double elasticsearchCpuSeconds, double wallSeconds) {
            double sum = 0;
            double max = 0;
            long firstMin = Long.MAX_VALUE;
            long firstMax = Long.MIN_VALUE;
            long lastMin = Long.MAX_VALUE;
            long lastMax = Long.MIN_VALUE;
            int counted = 0;
            for (Drainer drainer : drainers) {
                OptionalLong first = drainer.firstPass();
                OptionalLong last = drainer.lastLine();
                if (first.isPresent()) {
                    double start = (first.getAsLong() - drainer.launchedEpochMillis()) / 1e3;
                    sum += start;
                    max = Math.max(max, start);
                    counted++;
                    firstMin = Math.min(firstMin, first.getAsLong());
                    firstMax = Math.max(firstMax, first.getAsLong());
                }
                if (last.isPresent()) {
                    lastMin = Math.min(lastMin, last.getAsLong());
                    lastMax = Math.max(lastMax, last.getAsLong());
                }
            }
            return new Row(counted == 0 ? 0 : sum / counted, max, counted == 0 ? 0 : (firstMax - firstMin) / 1e3,
                    lastMax < lastMin ? 0 : (lastMax - lastMin) / 1e3, cpu, elasticsearchCpuSeconds, wallSeconds);
        }

        /** The cells of figure 7d after the row's name. */
        String cells() {
            double cores = cpu.machineSeconds() / Math.max(1e-3, wallSeconds);
            return String.format(Locale.ROOT, "%.2f | %.2f | %.2f | %.2f | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f",
                    meanStartSeconds, maxStartSeconds, firstPassSpread, lastLineSpread, cpu.childrenSeconds(),
                    elasticsearchCpuSeconds, cpu.selfSeconds(), cpu.machineBusySeconds(), cpu.machineSeconds(),
                    cpu.machineSeconds() <= 0 ? 0 : cpu.machineBusySeconds() / cpu.machineSeconds())
                    + String.format(Locale.ROOT, " | %.0f", cores);
        }
    }

    static final String HEADER = "| run | claims | drainers | wall s | calling s | of ideal "
            + "| launch to first pass s, mean | longest | first passes spread s | last lines spread s | drainers' CPU s | Elasticsearch CPU s "
            + "| benchmark JVM (fake LLM) CPU s | machine busy CPU s | machine CPU s offered | machine busy | cores |";
    static final String RULE = "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";

    private static long epochMillis(String line) {
        Matcher matcher = LINE.matcher(line);
        if (!matcher.find()) {
            return 0;
        }
        return LocalDateTime.parse(matcher.group(1), DATES).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
    }
}
