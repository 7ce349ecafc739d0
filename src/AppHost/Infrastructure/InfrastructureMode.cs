namespace FineTuneMesh.AppHost.Infrastructure;

/// <summary>How the AppHost provides RabbitMQ and S3 storage (configuration key <c>Mesh:Infrastructure</c>).</summary>
public enum InfrastructureMode
{
    /// <summary>Containers where Docker answers, local executables otherwise.</summary>
    Auto,

    /// <summary>The rabbitmq and minio/minio containers.</summary>
    Containers,

    /// <summary>The Debian rabbitmq-server and the npm s3rver, as child processes with their own data folders.</summary>
    Local,

    /// <summary>Existing servers: ConnectionStrings:messaging and ConnectionStrings:storage.</summary>
    External,
}
