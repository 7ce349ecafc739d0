namespace FineTuneMesh.Core.Hub;

public enum HubErrorKind
{
    /// <summary>A repo id, revision, commit sha or file name is malformed or unsafe.</summary>
    InvalidName,

    /// <summary>401/403: the repo is gated or private and the token is missing or lacks access.</summary>
    Unauthorized,

    /// <summary>404: the repo, revision or file does not exist.</summary>
    NotFound,

    /// <summary>The server could not be reached and nothing usable is cached.</summary>
    Unreachable,

    /// <summary>The server answered something this client cannot use (bad JSON, wrong size or hash, other status).</summary>
    Protocol,

    /// <summary>A download stopped part way; the partial file is kept and the next pull resumes it.</summary>
    Interrupted,
}
