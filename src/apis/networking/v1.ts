// Schemas for this group version are defined here (work in progress).
export {};
