"""Packaging for liif_edu. Everything it needs is read from settings.ini."""
from configparser import ConfigParser
from setuptools import find_packages, setup

cfg = ConfigParser(delimiters=['='])
cfg.read('settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']

licenses = {'apache2': ('Apache Software License 2.0', 'OSI Approved :: Apache Software License')}
statuses = ['Planning', 'Pre-Alpha', 'Alpha', 'Beta', 'Production/Stable', 'Mature', 'Inactive']
lic = licenses[cfg['license']]
min_python = cfg['min_python']
py_versions = [v for v in ('3.10', '3.11', '3.12', '3.13') if tuple(map(int, v.split('.'))) >= tuple(map(int, min_python.split('.')))]

setup(
    name=cfg['lib_name'],
    version=cfg['version'],
    description=cfg['description'],
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    author=cfg['author'],
    author_email=cfg['author_email'],
    license=lic[0],
    keywords=cfg['keywords'].split(),
    url=cfg['git_url'],
    # The bundled models and photos live in data/ of the repository; in an installed package they are liif_edu/assets.
    packages=find_packages(include=[cfg['lib_path'], cfg['lib_path'] + '.*']) + [cfg['lib_path'] + '.assets'],
    package_dir={cfg['lib_path'] + '.assets': 'data'},
    package_data={cfg['lib_path'] + '.assets': ['models/*.safetensors', 'models/*.json', 'photos/*/*']},
    include_package_data=False,
    python_requires='>=' + min_python,
    install_requires=cfg['requirements'].split(),
    # `course` for the notebooks, `onnx` for `liif-edu export`, `dev` for everything and the project's own tools.
    extras_require={**{extra: cfg[f'{extra}_requirements'].split() for extra in ('course', 'onnx')},
                    'dev': (cfg['course_requirements'] + ' ' + cfg['onnx_requirements'] + ' ' + cfg['dev_requirements']).split()},
    entry_points={'console_scripts': cfg.get('console_scripts', '').split(),
                  'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
    classifiers=[
        'Development Status :: ' + cfg['status'] + ' - ' + statuses[int(cfg['status']) - 1],
        'Intended Audience :: ' + cfg['audience'].title(),
        'License :: ' + lic[1],
        'Natural Language :: ' + cfg['language'].title(),
        'Topic :: Scientific/Engineering :: Image Processing',
    ] + ['Programming Language :: Python :: ' + v for v in py_versions],
    zip_safe=False,
)
