using FineTuneMesh.AppHost;

var builder = DistributedApplication.CreateBuilder(args);

// FINETUNE_* settings come from the root .env; real environment variables override it.
builder.AddRootDotEnv();

var synth = builder.AddFineTuneService<Projects.FineTuneMesh_Synth_Service>("synth");
var trainer = builder.AddFineTuneService<Projects.FineTuneMesh_Trainer_Worker>("trainer");
var inference = builder.AddFineTuneService<Projects.FineTuneMesh_Inference_Service>("inference");

builder.AddFineTuneService<Projects.FineTuneMesh_Gateway>("gateway")
    .WithReference(synth).WaitFor(synth)
    .WithReference(trainer).WaitFor(trainer)
    .WithReference(inference).WaitFor(inference)
    .WithExternalHttpEndpoints();

builder.Build().Run();
