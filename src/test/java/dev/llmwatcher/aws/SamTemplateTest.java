package dev.llmwatcher.aws;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.llmwatcher.config.Setting;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code template.yaml} agrees with the code: handlers, environment variables, metrics and the secret's policy. */
class SamTemplateTest {

    private static final List<String> SHORT_FORMS = List.of("Ref", "Sub", "GetAtt", "If", "Equals", "Not", "And",
            "Or", "Join", "Select", "Split", "FindInMap", "GetAZs", "ImportValue", "Base64", "Condition");

    private final Map<String, Object> template = load(Path.of("template.yaml"));

    /** Reads CloudFormation YAML, turning {@code !Ref X} into {@code {"Ref": X}} and {@code !Sub s} into {@code {"Fn::Sub": s}}. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> load(Path file) {
        try {
            return (Map<String, Object>) new Yaml(new CloudFormationConstructor()).load(Files.readString(file));
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file, e);
        }
    }

    private static final class CloudFormationConstructor extends SafeConstructor {
        CloudFormationConstructor() {
            super(new LoaderOptions());
            for (String name : SHORT_FORMS) {
                String key = name.equals("Ref") || name.equals("Condition") ? name : "Fn::" + name;
                yamlConstructors.put(new Tag("!" + name), new AbstractConstruct() {
                    @Override
                    public Object construct(Node node) {
                        Object value = switch (node) {
                            case ScalarNode scalar -> constructScalar(scalar);
                            case SequenceNode sequence -> constructSequence(sequence);
                            case MappingNode mapping -> constructMapping(mapping);
                            default -> throw new IllegalArgumentException("unexpected node " + node);
                        };
                        if (name.equals("GetAtt") && value instanceof String dotted) {
                            value = List.of(dotted.split("\\.", 2));
                        }
                        return Map.of(key, value);
                    }
                });
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    private Map<String, Object> resources() {
        return map(template.get("Resources"));
    }

    private Map<String, Map<String, Object>> ofType(String type) {
        Map<String, Map<String, Object>> found = new LinkedHashMap<>();
        resources().forEach((name, resource) -> {
            if (type.equals(map(resource).get("Type"))) {
                found.put(name, map(map(resource).get("Properties")));
            }
        });
        return found;
    }

    private Map<String, Object> globalFunction() {
        return map(map(template.get("Globals")).get("Function"));
    }

    @Test
    void bothFunctionsRunOnJavaArm64WithSnapStartThroughAnAlias() {
        Map<String, Object> global = globalFunction();

        assertThat(ofType("AWS::Serverless::Function")).containsOnlyKeys("WatcherFunction", "RetryFunction");
        assertThat((String) global.get("Runtime")).isIn("java21", "java25");
        assertThat(global).containsEntry("Architectures", List.of("arm64"))
                .containsEntry("SnapStart", Map.of("ApplyOn", "PublishedVersions"))
                .containsEntry("AutoPublishAlias", "live");
    }

    @Test
    void everyHandlerNamedExistsWithTheRequestHandlerSignature() throws Exception {
        for (Map<String, Object> function : ofType("AWS::Serverless::Function").values()) {
            String[] handler = ((String) function.get("Handler")).split("::");
            Class<?> type = Class.forName(handler[0]);
            Method method = type.getMethod(handler[1], Map.class, Context.class);

            assertThat(RequestHandler.class).isAssignableFrom(type);
            assertThat(method.getReturnType()).isEqualTo(Map.class);
            assertThat(type.getConstructor()).isNotNull();
            Type requestHandler = Arrays.stream(type.getGenericInterfaces())
                    .filter(t -> t instanceof ParameterizedType p && p.getRawType() == RequestHandler.class)
                    .findFirst().orElseThrow();
            assertThat(((ParameterizedType) requestHandler).getActualTypeArguments()).extracting(Type::getTypeName)
                    .containsExactly("java.util.Map<java.lang.String, java.lang.Object>",
                            "java.util.Map<java.lang.String, java.lang.Object>");
        }
    }

    @Test
    void everyEnvironmentVariableSetIsASettingTheConfigurationReads() {
        List<String> variables = new ArrayList<>(map(map(globalFunction().get("Environment")).get("Variables"))
                .keySet());
        ofType("AWS::Serverless::Function").values().stream().filter(f -> f.containsKey("Environment"))
                .forEach(f -> variables.addAll(map(map(f.get("Environment")).get("Variables")).keySet()));

        assertThat(variables).isNotEmpty().allSatisfy(variable ->
                assertThat(Setting.byVariable(variable)).as(variable).isPresent());
        assertThat(variables).contains(Setting.ELASTICSEARCH_URL.variable(), Setting.SECRET_ID.variable());
    }

    @Test
    void everyAlarmWatchesAMetricTheCodeEmitsOrALambdaMetric() {
        Map<String, Map<String, Object>> alarms = ofType("AWS::CloudWatch::Alarm");
        List<Map<String, Object>> metrics = new ArrayList<>();
        alarms.values().forEach(alarm -> {
            if (alarm.containsKey("MetricName")) {
                metrics.add(alarm);
            }
            if (alarm.get("Metrics") instanceof List<?> queries) {
                queries.stream().map(q -> map(q).get("MetricStat")).filter(s -> s != null)
                        .forEach(stat -> metrics.add(map(map(stat).get("Metric"))));
            }
        });

        assertThat(metrics).isNotEmpty().allSatisfy(metric -> {
            if (Metric.NAMESPACE.equals(metric.get("Namespace"))) {
                assertThat(Metric.byName((String) metric.get("MetricName"))).as(metric.toString()).isPresent();
            } else {
                assertThat(metric).containsEntry("Namespace", "AWS/Lambda");
                assertThat((String) metric.get("MetricName")).isIn("Errors", "Throttles");
            }
        });
        assertThat(metrics).extracting(m -> m.get("MetricName")).contains(Metric.DOCUMENTS_FAILED.metricName(),
                Metric.OLDEST_QUEUED_AGE.metricName(), "Errors", "Throttles");
        assertThat(alarms.values()).allSatisfy(alarm ->
                assertThat(alarm).containsEntry("AlarmActions", List.of(Map.of("Ref", "AlarmTopic"))));
    }

    @Test
    void thePolicyReadsTheSecretAndInvokesTheListedBedrockModelsOnlyWhenThereAreAny() {
        for (Map<String, Object> function : ofType("AWS::Serverless::Function").values()) {
            List<?> policies = (List<?>) function.get("Policies");
            assertThat(policies).hasSize(1);
            List<?> statements = (List<?>) map(policies.getFirst()).get("Statement");

            assertThat(statements).hasSize(2);
            assertThat(map(statements.getFirst())).containsEntry("Effect", "Allow")
                    .containsEntry("Action", "secretsmanager:GetSecretValue")
                    .containsEntry("Resource", Map.of("Ref", "SecretArn"));
            assertThat(map(statements.get(1))).containsEntry("Fn::If", List.of("HasBedrockModels",
                    Map.of("Sid", "InvokeTheListedBedrockModelsOnly", "Effect", "Allow",
                            "Action", "bedrock:InvokeModel", "Resource", Map.of("Ref", "BedrockModelArns")),
                    Map.of("Ref", "AWS::NoValue")));
        }
        assertThat(map(template.get("Parameters"))).containsKey("SecretArn");
        assertThat(map(map(template.get("Parameters")).get("BedrockModelArns")))
                .containsEntry("Type", "CommaDelimitedList").containsEntry("Default", "");
    }

    @Test
    void withNoBedrockModelsListedTheTranslatedRolesOnlyReadTheSecret() throws Exception {
        Map<String, List<Map<String, Object>>> statements = translatedFunctionRoleStatements(List.of());

        assertThat(statements).containsOnlyKeys("WatcherFunctionRole", "RetryFunctionRole");
        assertThat(statements.values()).allSatisfy(role -> assertThat(role).singleElement()
                .satisfies(statement -> assertThat(statement)
                        .containsEntry("Action", "secretsmanager:GetSecretValue")
                        .containsEntry("Resource", SECRET)));
    }

    @Test
    void withTwoBedrockModelsListedTheTranslatedRolesMayInvokeExactlyThose() throws Exception {
        List<String> arns = List.of(
                "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-lite-v1:0",
                "arn:aws:bedrock:*::foundation-model/amazon.nova-lite-v1:0");

        Map<String, List<Map<String, Object>>> statements = translatedFunctionRoleStatements(arns);

        assertThat(statements).containsOnlyKeys("WatcherFunctionRole", "RetryFunctionRole");
        assertThat(statements.values()).allSatisfy(role -> {
            assertThat(role).hasSize(2);
            assertThat(role).filteredOn(statement -> String.valueOf(statement.get("Action")).startsWith("bedrock:"))
                    .singleElement().satisfies(statement -> assertThat(statement)
                            .containsEntry("Effect", "Allow")
                            .containsEntry("Action", "bedrock:InvokeModel")
                            .containsEntry("Resource", arns));
        });
    }

    private static final String SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:llm-watcher-AbCdEf";

    /** The SAM translator's IAM roles for the two functions, their statements with conditions and refs resolved. */
    private Map<String, List<Map<String, Object>>> translatedFunctionRoleStatements(List<String> bedrockModelArns)
            throws Exception {
        Map<String, Object> input = load(Path.of("template.yaml"));
        map(map(input.get("Globals")).get("Function")).put("CodeUri", "s3://llm-watcher-test/code.zip");
        Map<String, Object> translated = SamTranslator.translate(input, Map.of("SecretArn", SECRET,
                "BedrockModelArns", String.join(",", bedrockModelArns)));
        Map<String, Object> parameters = Map.of("SecretArn", SECRET,
                "BedrockModelArns", bedrockModelArns.isEmpty() ? List.of("") : bedrockModelArns);
        ConditionResolver resolver = new ConditionResolver(parameters, map(translated.get("Conditions")));
        Map<String, List<Map<String, Object>>> statements = new LinkedHashMap<>();
        map(translated.get("Resources")).forEach((name, resource) -> {
            if ("AWS::IAM::Role".equals(map(resource).get("Type")) && name.endsWith("FunctionRole")) {
                List<Map<String, Object>> all = new ArrayList<>();
                for (Object policy : (List<?>) map(map(resource).get("Properties")).get("Policies")) {
                    Object document = resolver.resolve(map(policy).get("PolicyDocument"));
                    ((List<?>) map(document).get("Statement")).forEach(statement -> all.add(map(statement)));
                }
                statements.put(name, all);
            }
        });
        return statements;
    }

    @Test
    void schedulesAreSchedulerEventsWithExplicitInputAndParameterisedExpressions() {
        Map<String, Object> parameters = map(template.get("Parameters"));
        for (Map<String, Object> function : ofType("AWS::Serverless::Function").values()) {
            Map<String, Object> event = map(map(function.get("Events")).get("Schedule"));
            Map<String, Object> properties = map(event.get("Properties"));

            assertThat(event).containsEntry("Type", "ScheduleV2");
            assertThat(parameters).containsKey((String) map(properties.get("ScheduleExpression")).get("Ref"));
            assertThat(LambdaHarness.parse((String) properties.get("Input"))).containsKey("handler");
        }
        assertThat(map(parameters.get("WatcherSchedule"))).containsEntry("Default", "rate(1 minute)");
        assertThat(map(parameters.get("RetrySchedule"))).containsEntry("Default", "rate(15 minutes)");
    }

    @Test
    void theEmailSubscriptionExistsOnlyWhenAnAddressIsGiven() {
        Map<String, Object> subscription = map(resources().get("AlarmEmailSubscription"));

        assertThat(subscription).containsEntry("Condition", "HasAlarmEmail");
        assertThat(map(template.get("Conditions"))).containsEntry("HasAlarmEmail",
                Map.of("Fn::Not", List.of(Map.of("Fn::Equals", List.of(Map.of("Ref", "AlarmEmail"), "")))));
        assertThat(map(resources().get("WatcherFunction")).get("Properties")).satisfies(p -> assertThat(map(p))
                .containsEntry("ReservedConcurrentExecutions", Map.of("Ref", "MaxConcurrentExecutions")));
    }
}
