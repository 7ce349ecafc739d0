using FineTuneMesh.ServiceDefaults;
using FineTuneMesh.Inference.Service.Apis;
using FineTuneMesh.Inference.Service.Apis.OpenAi;
using FineTuneMesh.Inference.Service.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapInferenceApi();
app.MapOpenAiApi();
app.MapInferenceGrpc();

app.Run();
