using FineTuneMesh.BaseModels;
using FineTuneMesh.Mesh;
using FineTuneMesh.Messaging;
using FineTuneMesh.Storage;
using FineTuneMesh.Trainer.Worker.Apis;
using FineTuneMesh.Trainer.Worker.Exports;
using FineTuneMesh.Trainer.Worker.Grpc;
using FineTuneMesh.Trainer.Worker.Jobs;
using FineTuneMesh.Trainer.Worker.Sweeps;
using FineTuneMesh.Trainer.Worker.Worker;
using Microsoft.Extensions.Options;

namespace FineTuneMesh.Trainer.Worker.Extensions;

public static class Extensions
{
    /// <summary>All of the service's DI in one place.</summary>
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(json => MeshJson.Apply(json.SerializerOptions));

        builder.Services.AddOptions<TrainerOptions>()
            .BindConfiguration(TrainerOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddOptions<HostOptions>()
            .Configure<IOptions<TrainerOptions>>((host, trainer) => host.ShutdownTimeout = trainer.Value.ShutdownTimeout);

        builder.AddArtifactStore();
        builder.AddMeshMessaging();
        builder.AddBaseModels();
        builder.Services.AddHealthChecks().AddCheck<BaseModelHealthCheck>("base-model");

        builder.Services.AddSingleton<TokenizerCache>();
        builder.Services.AddSingleton<JobValidator>();
        builder.Services.AddSingleton<JobSubmission>();
        builder.Services.AddSingleton<JobEventStream>();
        builder.Services.AddSingleton<RunningJobs>();
        builder.Services.AddSingleton<JobRunner>();
        builder.Services.AddSingleton<JobCancellation>();
        builder.Services.AddSingleton<SweepSubmission>();
        builder.Services.AddSingleton<SweepBoard>();
        builder.Services.AddSingleton<SweepCancellation>();
        builder.Services.AddHostedService<SweepSupervisor>();
        builder.Services.AddGrpc();
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks();
        builder.Services.AddSingleton<AdapterExporter>();
        builder.Services.AddSingleton<JobClaim>();
        builder.Services.AddHostedService<TrainingJobConsumer>();
        builder.Services.AddHostedService<CancelListener>();
        builder.Services.AddHostedService<DeadLetterRecorder>();

        return builder;
    }

    /// <summary>The Training service (jobs over gRPC), gRPC health (grpc.health.v1) and server reflection.</summary>
    public static IEndpointRouteBuilder MapTrainingGrpc(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<TrainingGrpcService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }
}
