using Yarp.ReverseProxy.Configuration;

namespace FineTuneMesh.Gateway.Proxy;

/// <summary>
/// The public routes and the services behind them. Destinations are service-discovery names
/// (<c>https+http://synth</c>: https when the service has it, else http), resolved from the
/// <c>services:*</c> configuration that the AppHost injects.
/// </summary>
public static class ProxyRoutes
{
    public const string SynthCluster = "synth";
    public const string TrainerCluster = "trainer";
    public const string InferenceCluster = "inference";

    public static IReadOnlyList<RouteConfig> Routes { get; } =
    [
        Route("synth", "/api/synth/{**catch-all}", SynthCluster),
        Route("train", "/api/train/{**catch-all}", TrainerCluster),
        Route("inference", "/api/inference/{**catch-all}", InferenceCluster),
        // The OpenAI-compatible surface is served by the inference service.
        Route("openai-v1", "/v1/{**catch-all}", InferenceCluster),
    ];

    public static IReadOnlyList<ClusterConfig> Clusters { get; } =
    [
        Cluster(SynthCluster),
        Cluster(TrainerCluster),
        Cluster(InferenceCluster),
    ];

    private static RouteConfig Route(string routeId, string path, string clusterId) => new()
    {
        RouteId = routeId,
        ClusterId = clusterId,
        Match = new RouteMatch { Path = path },
    };

    private static ClusterConfig Cluster(string serviceName) => new()
    {
        ClusterId = serviceName,
        Destinations = new Dictionary<string, DestinationConfig>
        {
            [serviceName] = new() { Address = $"https+http://{serviceName}" },
        },
    };
}
