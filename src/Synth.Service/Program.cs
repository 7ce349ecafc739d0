using FineTuneMesh.ServiceDefaults;
using FineTuneMesh.Synth.Service.Apis;
using FineTuneMesh.Synth.Service.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapSynthApi();

app.Run();
