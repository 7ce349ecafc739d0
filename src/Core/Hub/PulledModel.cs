namespace FineTuneMesh.Core.Hub;

/// <summary>
/// A model folder on disk and where it came from. <see cref="FromCache"/> is true when the Hub could
/// not be reached and an earlier complete snapshot was used instead; <see cref="Message"/> says so.
/// </summary>
public sealed record PulledModel(string Folder, string RepoId, string Revision, string Sha, bool FromCache, string Message);
