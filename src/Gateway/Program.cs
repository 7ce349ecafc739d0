using FineTuneMesh.Gateway.Apis;
using FineTuneMesh.Gateway.Extensions;
using FineTuneMesh.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseStudio();
app.UseApiKeyCheck();
app.UseRequestSizeLimit();
app.MapDefaultEndpoints();
app.MapGatewayApi();
app.MapReverseProxy();

app.Run();
