namespace FineTuneMesh.Trainer.Worker.Jobs;

/// <summary>The broker did not take the job; nothing was recorded, so the submission can simply be retried.</summary>
public sealed class QueueUnavailableException(string message, Exception inner) : Exception(message, inner);
