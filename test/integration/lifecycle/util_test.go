package lifecycle

import corev1 "k8s.io/api/core/v1"

type corev1SecretRef = corev1.SecretReference
