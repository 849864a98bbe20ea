package dev.llmwatcher.bench;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

import java.lang.management.ManagementFactory;
import java.util.Map;

/**
 * The baseline for start-up figures: a bare "hello" Lambda handler invoked once on the same JVM with the same flags,
 * so what the benchmark reports on top of it is our own cost, not the JVM's.
 */
public final class HelloProbe implements RequestHandler<Map<String, Object>, String> {

    @Override
    public String handleRequest(Map<String, Object> input, Context context) {
        return "hello " + input.size();
    }

    public static void main(String[] args) {
        HelloProbe handler = new HelloProbe();
        long started = System.nanoTime();
        System.out.println(handler.handleRequest(Map.of(), null));
        System.out.println("invocation-ms=" + (System.nanoTime() - started) / 1_000_000);
        System.out.println("done-at-uptime-ms=" + ManagementFactory.getRuntimeMXBean().getUptime());
    }
}
