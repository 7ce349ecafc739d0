using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace FineTuneMesh.Gateway.Proxy;

/// <summary>
/// The public routes and the services behind them. Destinations are service-discovery names
/// (<c>https+http://synth</c>: https when the service has it, else http), resolved from the
/// <c>services:*</c> configuration that the AppHost injects.
/// gRPC goes to the inference service's HTTP/2-only endpoint named <see cref="GrpcEndpointName"/>
/// (<c>http://_grpc.inference</c>) over cleartext HTTP/2 (h2c), which needs the exact version: the
/// gateway's own gRPC listener is HTTP/2-only too. Responses, server-sent events and gRPC streams
/// alike, are relayed as they arrive, never buffered. Every cluster ends a request only after it
/// has been silent for the idle limit (YARP's activity timeout), which the caller derives from
/// the services' own bounds; YARP's default of 100 s would cut a long queue wait.
/// </summary>
public static class ProxyRoutes
{
    public const string SynthCluster = "synth";
    public const string TrainerCluster = "trainer";
    public const string InferenceCluster = "inference";
    public const string InferenceGrpcCluster = "inference-grpc";
    public const string TrainerGrpcCluster = "trainer-grpc";
    public const string GrpcEndpointName = "grpc";

    public static IReadOnlyList<RouteConfig> Routes { get; } =
    [
        Route("synth", "/api/synth/{**catch-all}", SynthCluster),
        Route("train", "/api/train/{**catch-all}", TrainerCluster),
        Route("inference", "/api/inference/{**catch-all}", InferenceCluster),
        // The OpenAI-compatible surface is served by the inference service.
        Route("openai-v1", "/v1/{**catch-all}", InferenceCluster),
        // gRPC: the inference API, its health service and server reflection.
        Route("inference-grpc", "/finetunemesh.inference.v1.Inference/{**catch-all}", InferenceGrpcCluster),
        // gRPC: the training jobs API, served by the trainers (health and reflection stay the inference service's).
        Route("training-grpc", "/finetunemesh.training.v1.Training/{**catch-all}", TrainerGrpcCluster),
        Route("inference-grpc-health", "/grpc.health.v1.Health/{**catch-all}", InferenceGrpcCluster),
        Route("inference-grpc-reflection", "/grpc.reflection.v1alpha.ServerReflection/{**catch-all}", InferenceGrpcCluster),
        Route("inference-grpc-reflection-v1", "/grpc.reflection.v1.ServerReflection/{**catch-all}", InferenceGrpcCluster),
    ];

    public static IReadOnlyList<ClusterConfig> Clusters(TimeSpan idleTimeout) =>
    [
        Cluster(SynthCluster, idleTimeout),
        // By name: these services also have an HTTP/2-only "grpc" endpoint, which must never serve REST.
        RestCluster(TrainerCluster, idleTimeout),
        RestCluster(InferenceCluster, idleTimeout),
        GrpcCluster(InferenceGrpcCluster, InferenceCluster, idleTimeout),
        GrpcCluster(TrainerGrpcCluster, TrainerCluster, idleTimeout),
    ];

    /// <summary>A service's endpoint named <c>http</c>, for a service that has a gRPC endpoint beside it.</summary>
    private static ClusterConfig RestCluster(string serviceName, TimeSpan idleTimeout) => new()
    {
        ClusterId = serviceName,
        Destinations = new Dictionary<string, DestinationConfig>
        {
            [serviceName] = new() { Address = $"http://_http.{serviceName}" },
        },
        HttpRequest = new ForwarderRequestConfig { ActivityTimeout = idleTimeout },
    };

    /// <summary>A service's HTTP/2-only endpoint named <see cref="GrpcEndpointName"/>, over cleartext HTTP/2 exactly.</summary>
    private static ClusterConfig GrpcCluster(string clusterId, string serviceName, TimeSpan idleTimeout) => new()
    {
        ClusterId = clusterId,
        Destinations = new Dictionary<string, DestinationConfig>
        {
            [clusterId] = new() { Address = $"http://_{GrpcEndpointName}.{serviceName}" },
        },
        HttpRequest = new ForwarderRequestConfig
        {
            Version = new Version(2, 0),
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            ActivityTimeout = idleTimeout,
        },
    };

    private static RouteConfig Route(string routeId, string path, string clusterId) => new()
    {
        RouteId = routeId,
        ClusterId = clusterId,
        Match = new RouteMatch { Path = path },
    };

    private static ClusterConfig Cluster(string serviceName, TimeSpan idleTimeout) => new()
    {
        ClusterId = serviceName,
        Destinations = new Dictionary<string, DestinationConfig>
        {
            [serviceName] = new() { Address = $"https+http://{serviceName}" },
        },
        HttpRequest = new ForwarderRequestConfig { ActivityTimeout = idleTimeout },
    };
}
