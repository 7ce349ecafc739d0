using FineTuneMesh.BaseModels;
using FineTuneMesh.Core.Generation;
using FineTuneMesh.Inference.Service.Events;
using FineTuneMesh.Inference.Service.Generation;
using FineTuneMesh.Inference.Service.Grpc;
using FineTuneMesh.Inference.Service.Models;
using FineTuneMesh.Inference.Service.Telemetry;
using FineTuneMesh.Mesh;
using FineTuneMesh.Messaging;
using FineTuneMesh.Storage;

namespace FineTuneMesh.Inference.Service.Extensions;

public static class Extensions
{
    /// <summary>All of the service's DI in one place.</summary>
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<InferenceOptions>()
            .BindConfiguration(InferenceOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.AddBaseModels();
        builder.Services.AddSingleton(services =>
        {
            var batcher = new DecodeBatcher();
            batcher.Stepped += services.GetRequiredService<InferenceTelemetry>().Stepped;
            return batcher;
        });
        builder.Services.AddSingleton<ModelHost>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ModelHost>());
        builder.Services.AddHealthChecks().AddCheck<BaseModelHealthCheck>("base-model");
        // Inside the mesh, adapters come from object storage and arrive with the trainers' events;
        // standalone (no connection strings), only the local adapters root is served.
        if (!string.IsNullOrEmpty(builder.Configuration.GetConnectionString(MeshConnections.Storage)))
        {
            builder.AddArtifactStore();
            builder.Services.AddSingleton<StoredAdapters>();
        }

        if (!string.IsNullOrEmpty(builder.Configuration.GetConnectionString(MeshConnections.Messaging)))
        {
            builder.AddMeshMessaging();
            builder.Services.AddHostedService<AdapterPublishedListener>();
        }

        builder.Services.AddSingleton<AdapterRegistry>();
        builder.Services.AddSingleton<ModelCatalog>();
        builder.Services.AddSingleton<AdmissionQueue>();
        builder.Services.AddSingleton<KvBudget>();
        builder.Services.AddSingleton<InferenceTelemetry>();
        builder.Services.AddSingleton<GenerationRunner>();

        builder.Services.AddGrpc();
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks();

        return builder;
    }

    /// <summary>The Inference service, gRPC health (grpc.health.v1) and server reflection.</summary>
    public static IEndpointRouteBuilder MapInferenceGrpc(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<InferenceService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }
}
