using FineTuneMesh.AppHost;
using FineTuneMesh.AppHost.Infrastructure;
using Microsoft.Extensions.Configuration;

var builder = DistributedApplication.CreateBuilder(args);

// FINETUNE_* settings come from the root .env; real environment variables override it.
builder.AddRootDotEnv();

// RabbitMQ and S3: containers with Docker, local executables without, or existing servers.
var infrastructure = builder.AddMeshInfrastructure();

var trainer = builder.AddFineTuneService<Projects.FineTuneMesh_Trainer_Worker>("trainer")
    .WithMeshInfrastructure(infrastructure)
    .WithReplicas(builder.Configuration.GetValue("Mesh:TrainerReplicas", 2));
var inference = builder.AddFineTuneService<Projects.FineTuneMesh_Inference_Service>("inference")
    .WithMeshInfrastructure(infrastructure)
    .WithServiceBounds(builder.Configuration);

// Synthesis calls the inference service's OpenAI API (its default provider; others from the
// AppHost's Synth:Providers, keys as secret parameters) and hands datasets to the trainer.
var synth = builder.AddFineTuneService<Projects.FineTuneMesh_Synth_Service>("synth")
    .WithMeshInfrastructure(infrastructure)
    .WithReference(inference)
    .WithReference(trainer)
    .WithSynthProviders(builder);

builder.AddFineTuneService<Projects.FineTuneMesh_Gateway>("gateway")
    .WithReference(synth).WaitFor(synth)
    .WithReference(trainer).WaitFor(trainer)
    .WithReference(inference).WaitFor(inference)
    .WithServiceBounds(builder.Configuration)
    .WithExternalHttpEndpoints();

builder.Build().Run();
