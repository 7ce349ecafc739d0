using System.Diagnostics;
using FineTuneMesh.Mesh;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FineTuneMesh.AppHost.Infrastructure;

public static class InfrastructureExtensions
{
    public const string ModeKey = "Mesh:Infrastructure";
    public const string DataDirectoryKey = "Mesh:DataDirectory";
    private const string S3AccessKey = "finetunemesh";

    /// <summary>RabbitMQ and S3 storage in the configured <see cref="InfrastructureMode"/>.</summary>
    public static MeshInfrastructure AddMeshInfrastructure(this IDistributedApplicationBuilder builder)
    {
        var mode = builder.Configuration.GetValue(ModeKey, InfrastructureMode.Auto);
        if (mode == InfrastructureMode.Auto)
        {
            mode = DockerAnswers() ? InfrastructureMode.Containers : InfrastructureMode.Local;
        }

        return mode switch
        {
            InfrastructureMode.Containers => AddContainers(builder),
            InfrastructureMode.Local => AddLocalExecutables(builder),
            _ => new MeshInfrastructure(
                builder.AddConnectionString(MeshConnections.Messaging),
                builder.AddConnectionString(MeshConnections.Storage), [], mode),
        };
    }

    /// <summary>The connection strings, and a start only once the servers are healthy.</summary>
    public static IResourceBuilder<ProjectResource> WithMeshInfrastructure(
        this IResourceBuilder<ProjectResource> service, MeshInfrastructure infrastructure)
    {
        service.WithReference(infrastructure.Messaging).WithReference(infrastructure.Storage);
        foreach (var server in infrastructure.Servers)
        {
            service.WaitFor(server);
        }

        return service;
    }

    private static MeshInfrastructure AddContainers(IDistributedApplicationBuilder builder)
    {
        var rabbitMq = builder.AddRabbitMQ(MeshConnections.Messaging).WithDataVolume()
            // Jobs can train for hours before their ack; the default 30-minute consumer timeout would cancel them.
            .WithEnvironment("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "-rabbit consumer_timeout 86400000");
        var secret = builder.AddParameter("minio-password", secret: true, value: "finetunemesh-dev-secret");
        var minio = builder.AddContainer("minio", "minio/minio")
            .WithArgs("server", "/data")
            .WithVolume("finetunemesh-minio", "/data")
            .WithEnvironment("MINIO_ROOT_USER", S3AccessKey)
            .WithEnvironment("MINIO_ROOT_PASSWORD", secret)
            .WithHttpEndpoint(targetPort: 9000, name: "api")
            .WithHttpHealthCheck("/minio/health/live", endpointName: "api");
        var storage = builder.AddConnectionString(MeshConnections.Storage, ReferenceExpression.Create(
            $"Endpoint={minio.GetEndpoint("api")};AccessKey={S3AccessKey};SecretKey={secret}"));
        return new MeshInfrastructure(rabbitMq, storage, [rabbitMq, minio], InfrastructureMode.Containers);
    }

    private static MeshInfrastructure AddLocalExecutables(IDistributedApplicationBuilder builder)
    {
        var repoRoot = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", ".."));
        var scripts = Path.Combine(repoRoot, "tools", "local-servers");
        var data = builder.Configuration[DataDirectoryKey] is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(repoRoot, ".data");

        var rabbitMq = builder.AddExecutable("rabbitmq", Path.Combine(scripts, "rabbitmq.sh"), scripts, Path.Combine(data, "rabbitmq"))
            .WithEndpoint(name: "amqp", scheme: "tcp", env: "RABBITMQ_NODE_PORT", isProxied: false);
        var amqp = rabbitMq.GetEndpoint("amqp");
        var messaging = builder.AddConnectionString(MeshConnections.Messaging, ReferenceExpression.Create(
            $"amqp://guest:guest@127.0.0.1:{amqp.Property(EndpointProperty.Port)}/"));
        rabbitMq.WithTcpHealthCheck(amqp);

        var s3 = builder.AddExecutable("s3", Path.Combine(scripts, "s3.sh"), scripts, Path.Combine(data, "s3"))
            .WithHttpEndpoint(name: "http", env: "PORT", isProxied: false);
        var s3Endpoint = s3.GetEndpoint("http");
        var storage = builder.AddConnectionString(MeshConnections.Storage, ReferenceExpression.Create(
            $"Endpoint={s3Endpoint};AccessKey=S3RVER;SecretKey=S3RVER"));
        s3.WithTcpHealthCheck(s3Endpoint);

        return new MeshInfrastructure(messaging, storage, [rabbitMq, s3], InfrastructureMode.Local);
    }

    /// <summary>Healthy once <paramref name="endpoint"/> accepts connections, so that whatever waits for the resource can connect.</summary>
    private static IResourceBuilder<ExecutableResource> WithTcpHealthCheck(this IResourceBuilder<ExecutableResource> resource,
        EndpointReference endpoint)
    {
        var key = $"{resource.Resource.Name}-{endpoint.EndpointName}-tcp";
        resource.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(key,
            _ => new TcpHealthCheck(endpoint), failureStatus: null, tags: null));
        return resource.WithHealthCheck(key);
    }

    private static bool DockerAnswers()
    {
        try
        {
            using var docker = Process.Start(new ProcessStartInfo("docker", "info")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (docker is null)
            {
                return false;
            }

            if (!docker.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                docker.Kill();
                return false;
            }

            return docker.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
