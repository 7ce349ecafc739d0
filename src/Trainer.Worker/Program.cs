using FineTuneMesh.ServiceDefaults;
using FineTuneMesh.Trainer.Worker.Apis;
using FineTuneMesh.Trainer.Worker.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapTrainerApi();
app.MapTrainingGrpc();

app.Run();
